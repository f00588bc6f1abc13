"""Builds generated/_llama_cloud_batch_generated from spec/ and generator/, or checks it.

    python generator/generate.py                  # rewrite generated/_llama_cloud_batch_generated
    python generator/generate.py --check          # fail, with a diff, if generated/ is stale
    python generator/generate.py --spec S --output DIR   # build elsewhere (diff session, tests)
    python generator/generate.py --resources MAP         # another resource map (tests)

Steps: the resource map (generator/resources.yaml) is checked against the spec both ways;
openapi-python-client (pinned) renders the spec with generator/templates into the private
package ``_llama_cloud_batch_generated`` and the map becomes its ``resources`` modules; the pinned
ruff formats it; every file gets a header naming its source. The result replaces the old package
wholesale, so nothing the spec no longer describes survives. A problem with the spec or the map
stops it with one line per problem.

Users import llama_cloud_batch, the hand-written package in overrides/, which builds on this one;
the wheel holds both. Nothing hand-written is copied here.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import filecmp
import io
import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import facts
import resource_map
import yaml

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "generator"
PACKAGE = "llama_cloud_batch"
# The generated package (generator/config.yaml names it for openapi-python-client).
GENERATED = "_llama_cloud_batch_generated"
DEFAULT_SPEC = ROOT / "spec" / "openapi.yaml"
DEFAULT_OUTPUT = ROOT / "generated"
DEFAULT_RESOURCES = GENERATOR / "resources.yaml"
OVERRIDES = ROOT / "overrides" / PACKAGE

# The generator writes a client, error and types module of its own; the hand-written client in
# overrides/ and its runtime modules replace them, so they would only be dead code.
UNUSED_GENERATED = ("client.py", "errors.py", "types.py")
LINE_LENGTH = "100"
DIFF_LINES_PER_FILE = 60


class GenerationError(RuntimeError):
    """The pipeline cannot run as configured (wrong tool versions, a generator failure)."""


def pinned_versions() -> dict[str, str]:
    """The exact tool versions of pyproject.toml's `generator` dependency group."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    pins = {}
    for requirement in groups["generator"]:
        name, pin = requirement.split("==", 1)
        pins[name.strip().lower()] = pin.strip()
    return pins


def check_tool_versions() -> None:
    """Refuses to run with other versions than the pins: the output would differ."""
    wrong = [
        f"{name}=={pin} (found {version(name)})"
        for name, pin in pinned_versions().items()
        if version(name) != pin
    ]
    if wrong:
        raise GenerationError(
            "generation needs the pinned tools: " + ", ".join(wrong) + "; run `nox -s generate`"
        )


def run(*args: str, cwd: Path | None = None) -> None:
    completed = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise GenerationError(
            f"{' '.join(args[:4])} ... failed:\n{completed.stdout}{completed.stderr}"
        )


def render(spec_data: dict[str, Any], spec: Path, resources: Path, target: Path) -> None:
    """Renders the spec and the resource map into target (which must not exist)."""
    # Imported here: only generation needs the generator (release and publish import this module).
    from openapi_python_client import Project
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.parser import GeneratorData
    from openapi_python_client.parser.errors import ErrorLevel, GeneratorError
    from openapi_python_client.parser.properties.schemas import Class

    config_file = ConfigFile.load_from_path(GENERATOR / "config.yaml")
    config = Config.from_sources(config_file, MetaType.NONE, spec, "utf-8", False, target)
    data = GeneratorData.from_dict(spec_data, config=config)
    if isinstance(data, GeneratorError):
        raise GenerationError(f"the spec cannot be read: {data.header}: {data.detail}")
    label = resources.relative_to(ROOT) if resources.is_relative_to(ROOT) else resources.name
    spec_facts = facts.Facts(spec_data)
    spec_facts.register(
        data.models, lambda title: str(Class.from_string(string=title, config=config).name)
    )
    try:
        spec_facts.mark_request_models(request_values(data, spec_facts))
        tree = resource_map.load(resources)
        resource_map.check_custom(tree, OVERRIDES / "resources")
        resource_map.match(tree, spec_data, data, spec_facts, str(label))
        project = Project(openapi=data, config=config, custom_template_path=GENERATOR / "templates")
        project.env.globals["facts"] = spec_facts
        # A Python literal of a string or number from the spec, safe to write into code.
        project.env.filters["py"] = repr
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                errors = project.build()
            except facts.FactsError as error:
                raise GenerationError(str(error)) from None
            except Exception as error:  # a template failure: one line naming its operation
                raise GenerationError(_failed_render(error)) from None
        fatal = [error for error in errors if error.level == ErrorLevel.ERROR]
        if fatal:
            raise GenerationError("; ".join(f"{e.header} {e.detail or ''}".strip() for e in fatal))
        models = {model.class_info.name for model in data.models}
        resource_map.render(project.env, tree, target / "resources", models)
        (target / "webhooks.py").write_text(
            project.env.get_template("webhooks.py.jinja").render(webhooks=spec_facts.webhooks())
        )
    except (resource_map.MapError, facts.FactsError) as error:
        raise GenerationError(str(error)) from None
    for name in UNUSED_GENERATED:
        (target / name).unlink()
    # Plain maps are dicts where they are used: their classes would be dead code.
    for model in data.models:
        if spec_facts.is_map(model.class_info.name):
            (target / "models" / f"{model.class_info.module_name}.py").unlink()
    (target / "py.typed").write_text("")


def request_values(data: Any, spec_facts: facts.Facts) -> list[facts.Value]:
    """The values the requests of every operation carry (their models get a TypedDict)."""
    values = []
    for collection in data.endpoint_collections_by_tag.values():
        for endpoint in collection.endpoints:
            where = f"operation {endpoint.name}"
            props = [*endpoint.query_parameters, *endpoint.header_parameters]
            props += [body.prop for body in endpoint.bodies]
            values += [spec_facts.value(prop, where) for prop in props]
    return values


def stale_imports(generated: Path, hand_written: Path) -> list[str]:
    """One line for each use, in the hand-written package, of a generated module or name that
    `generated` (a fresh tree) does not have: removing an operation or a resource from the spec
    must not regenerate into a package whose hand-written code no longer imports. Models are
    reached by import from the generated package, or as `types.<Name>` through the package's
    `types` module."""
    models = (_defined_names(generated / "models") or set()) | (
        _defined_names(generated / "sdk_names") or set()
    )
    problems = []
    for path in sorted(hand_written.rglob("*.py")):
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [(node.module, [alias.name for alias in node.names])]
            elif isinstance(node, ast.Import):
                modules = [(alias.name, []) for alias in node.names]
            else:
                continue
            for module, names in modules:
                if module.split(".")[0] != GENERATED:
                    continue
                defined = _defined_names(generated.joinpath(*module.split(".")[1:]))
                if defined is None:
                    problems.append(
                        f"{where}:{node.lineno}: imports {module}, which the spec no longer makes"
                    )
                    continue
                problems += [
                    f"{where}:{node.lineno}: imports {name} from {module}, which the spec no "
                    "longer makes"
                    for name in names
                    if name != "*" and name not in defined
                ]
        if _imports_types(tree):
            problems += [
                f"{where}:{node.lineno}: uses types.{node.attr}, which the spec no longer makes"
                for node in ast.walk(tree)
                if isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "types"
                and node.attr[:1].isupper()
                and node.attr not in models | HAND_WRITTEN_TYPES
            ]
    return problems


# The names llama_cloud_batch.types adds to the generated models.
HAND_WRITTEN_TYPES = frozenset({"ShapeError"})


def _imports_types(tree: ast.Module) -> bool:
    """Whether a hand-written module imports the package's `types` module under that name."""
    return any(
        isinstance(node, ast.ImportFrom)
        and (node.module == "llama_cloud_batch" or (node.level > 0 and not node.module))
        and any(alias.name == "types" and alias.asname is None for alias in node.names)
        for node in ast.walk(tree)
    )


def _defined_names(module: Path) -> set[str] | None:
    """The names a generated module (or package: its submodules too) defines; None if it is not
    there."""
    if module.with_suffix(".py").is_file():
        source = module.with_suffix(".py")
        names = set()
    elif (module / "__init__.py").is_file():
        source = module / "__init__.py"
        submodules = [
            child for child in module.iterdir() if child.suffix == ".py" or child.is_dir()
        ]
        names = {child.stem for child in submodules} - {"__init__"}
    else:
        return None
    for node in ast.parse(source.read_text()).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {target.id for target in targets if isinstance(target, ast.Name)}
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                names |= set(ast.literal_eval(node.value)) if node.value else set()
        elif isinstance(node, ast.ImportFrom):
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def _failed_render(error: Exception) -> str:
    """What openapi-python-client was rendering when a template failed, from the failing
    frame's locals (its loops name them endpoint, model and enum)."""
    culprit = "the package"
    traceback = error.__traceback__
    while traceback is not None:
        names = traceback.tb_frame.f_locals
        if "endpoint" in names and hasattr(names["endpoint"], "path"):
            endpoint = names["endpoint"]
            path = endpoint.path.get_untrusted_value()
            culprit = f"operation {endpoint.name} ({endpoint.method.upper()} {path})"
        elif "model" in names and hasattr(names["model"], "class_info"):
            culprit = f"schema {names['model'].class_info.name}"
        elif "enum" in names and hasattr(names["enum"], "class_info"):
            culprit = f"schema {names['enum'].class_info.name}"
        traceback = traceback.tb_next
    reason = " ".join(str(error).split()) or "(no message)"
    return f"cannot render {culprit}: {type(error).__name__}: {reason}"


def ruff(*args: str, cwd: Path) -> None:
    # -P: the generated package has a types.py that must not shadow the standard library's.
    isolated = ("--isolated", "--no-cache", "--target-version", "py311")
    run(sys.executable, "-P", "-m", "ruff", *args, *isolated, cwd=cwd)


def format_tree(target: Path) -> None:
    fixes = ("--fix-only", "--select", "I,F401,UP", "--line-length", LINE_LENGTH)
    ruff("check", *fixes, ".", cwd=target)
    ruff("format", "--line-length", LINE_LENGTH, ".", cwd=target)


def header(source: str) -> str:
    return (
        f"# Generated by generator/generate.py from {source}. "
        "Do not edit: see README, 'Maintaining'.\n"
    )


def add_headers(target: Path, spec_label: str) -> None:
    generator_version = pinned_versions()["openapi-python-client"]
    source = f"{spec_label} with openapi-python-client {generator_version} and generator/templates"
    text = header(source)
    for path in sorted(target.rglob("*.py")):
        path.write_text(text + path.read_text())


def write_schema(spec_data: dict[str, object], target: Path, spec_label: str) -> None:
    """The spec as JSON inside the package, for the local test server's validation."""
    document = {"x-generated": header(spec_label).strip("# \n"), **spec_data}
    (target / "openapi.json").write_text(json.dumps(document, separators=(",", ":")) + "\n")


def build(spec: Path, output: Path, resources: Path = DEFAULT_RESOURCES) -> Path:
    """Writes the generated package to output/_llama_cloud_batch_generated (output must be empty
    or new) and returns its folder."""
    check_tool_versions()
    spec_data = yaml.safe_load(spec.read_text())
    spec_label = spec.relative_to(ROOT).as_posix() if spec.is_relative_to(ROOT) else spec.name
    generated = output / GENERATED
    output.mkdir(parents=True, exist_ok=True)
    render(spec_data, spec, resources, generated)
    format_tree(generated)
    add_headers(generated, spec_label)
    write_schema(spec_data, generated, spec_label)
    # The hand-written package is written against the repository's spec, not another one (the
    # pipeline's tests generate small specs of their own).
    stale = stale_imports(generated, OVERRIDES) if spec == DEFAULT_SPEC else []
    if stale:
        raise GenerationError("\n".join(stale))
    return generated


def tree_files(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def compare(expected: Path, actual: Path) -> list[str]:
    """Readable differences between two generated trees; empty when they are byte-identical."""
    want, have = tree_files(expected), tree_files(actual) if actual.exists() else set()
    where = f"generated/{GENERATED}"
    report = [f"missing from {where}: {name}" for name in sorted(want - have)]
    report += [f"not made by the pipeline: {where}/{name}" for name in sorted(have - want)]
    for name in sorted(want & have):
        if filecmp.cmp(expected / name, actual / name, shallow=False):
            continue
        report.append(f"differs: {where}/{name}")
        diff = list(
            difflib.unified_diff(
                (actual / name).read_text().splitlines(),
                (expected / name).read_text().splitlines(),
                f"{where}/{name} (committed)",
                f"{where}/{name} (from the pipeline)",
                lineterm="",
            )
        )
        report += diff[:DIFF_LINES_PER_FILE]
        if len(diff) > DIFF_LINES_PER_FILE:
            report.append(f"... {len(diff) - DIFF_LINES_PER_FILE} more diff lines")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--resources", type=Path, default=DEFAULT_RESOURCES)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    spec, output = args.spec.resolve(), args.output.resolve()
    with tempfile.TemporaryDirectory(prefix="llama-cloud-batch-") as scratch:
        fresh = build(spec, Path(scratch), args.resources.resolve())
        current = output / GENERATED
        if args.check:
            report = compare(fresh, current)
            if report:
                stale = sum(line.startswith(("missing", "not made", "differs")) for line in report)
                print("\n".join(report))
                print(f"\ngenerated/ is stale: {stale} file(s). Run `nox -s generate`.")
                return 1
            print(f"generated/{GENERATED} is exactly what spec/ and generator/ make.")
            return 0
        if current.exists():
            shutil.rmtree(current)
        output.mkdir(parents=True, exist_ok=True)
        shutil.move(fresh, current)
    print(f"wrote {current.relative_to(ROOT) if current.is_relative_to(ROOT) else current}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except GenerationError as error:
        sys.exit(f"generate: {error}")
