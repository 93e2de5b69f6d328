"""A PEP 517 build backend for the staged mx_mlir package, with no
dependency outside the standard library: pip builds the wheel offline.

The wheel holds mx_mlir/ as staged by the build (Python sources and
_lib/libMXCAPI.so, which links Debian's libMLIR.so and libLLVM.so by their
absolute path), its metadata and the `mx-quantize` console script. The
[project] table of pyproject.toml gives the name, version, dependencies and
scripts.
"""

import base64
import hashlib
import os
import sysconfig
import tarfile
import tomllib
import zipfile

_ROOT = os.path.dirname(os.path.abspath(__file__))
_PACKAGE = "mx_mlir"


def _project():
    with open(os.path.join(_ROOT, "pyproject.toml"), "rb") as handle:
        return tomllib.load(handle)["project"]


def _distribution(project):
    return project["name"].replace("-", "_"), project["version"]


def _metadata(project):
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}",
             f"Version: {project['version']}", f"Summary: {project.get('description', '')}"]
    if "requires-python" in project:
        lines.append(f"Requires-Python: {project['requires-python']}")
    lines += [f"Requires-Dist: {requirement}" for requirement in project.get("dependencies", [])]
    return "\n".join(lines) + "\n"


def _tag():
    return "py3-none-" + sysconfig.get_platform().replace("-", "_").replace(".", "_")


def _package_files():
    library = os.path.join(_ROOT, _PACKAGE, "_lib", "libMXCAPI.so")
    if not os.path.exists(library):
        raise RuntimeError(f"{library} is missing: pip-install the staged package in the build "
                           "tree (build/python_packages), after `bash scripts/build.sh`")
    for directory, subdirectories, files in os.walk(os.path.join(_ROOT, _PACKAGE)):
        subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith(".pyc"):
                path = os.path.join(directory, name)
                yield path, os.path.relpath(path, _ROOT)


def _dist_info_files(project):
    name, version = _distribution(project)
    info = f"{name}-{version}.dist-info"
    files = {f"{info}/METADATA": _metadata(project),
             f"{info}/WHEEL": ("Wheel-Version: 1.0\nGenerator: mx_mlir_build_backend\n"
                               f"Root-Is-Purelib: false\nTag: {_tag()}\n")}
    scripts = project.get("scripts", {})
    if scripts:
        files[f"{info}/entry_points.txt"] = "[console_scripts]\n" + "".join(
            f"{script} = {target}\n" for script, target in scripts.items())
    return info, files


def _record_line(archive_name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{archive_name},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info, files = _dist_info_files(_project())
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    for archive_name, text in files.items():
        with open(os.path.join(metadata_directory, archive_name), "w") as handle:
            handle.write(text)
    return info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = _project()
    name, version = _distribution(project)
    wheel_name = f"{name}-{version}-{_tag()}.whl"
    info, metadata_files = _dist_info_files(project)
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w",
                         compression=zipfile.ZIP_DEFLATED) as wheel:
        for path, archive_name in _package_files():
            with open(path, "rb") as handle:
                data = handle.read()
            info_entry = zipfile.ZipInfo(archive_name)
            info_entry.external_attr = (os.stat(path).st_mode & 0o777) << 16
            info_entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info_entry, data)
            record.append(_record_line(archive_name, data))
        for archive_name, text in metadata_files.items():
            wheel.writestr(archive_name, text)
            record.append(_record_line(archive_name, text.encode()))
        record.append(f"{info}/RECORD,,")
        wheel.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel_name


def build_sdist(sdist_directory, config_settings=None):
    name, version = _distribution(_project())
    base = f"{name}-{version}"
    with tarfile.open(os.path.join(sdist_directory, base + ".tar.gz"), "w:gz") as sdist:
        for entry in ("pyproject.toml", "mx_mlir_build_backend.py"):
            sdist.add(os.path.join(_ROOT, entry), f"{base}/{entry}")
        for path, archive_name in _package_files():
            sdist.add(path, f"{base}/{archive_name}")
    return base + ".tar.gz"
