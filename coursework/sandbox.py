"""Run one grading command in a throw-away Linux sandbox (no Docker needed).

``sandboxed(command, job_dir, ...)`` returns the argument list that runs ``command`` inside
new user, mount, network and PID namespaces (``unshare``), set up by this module's ``inner``
entry point before it ``exec``s the command:

* the whole file system is read-only, except a fresh ``/tmp`` and the job folder (mounted at
  ``/tmp/grading``), which holds only the autograder zip and one submission;
* the repository (reference chapters, hidden checks, other submissions, the gradebook), the
  home folder, ``/tmp``, ``/var/tmp`` and ``/dev/shm`` are replaced by empty folders; only the
  Python environment (the ``.venv`` and its base interpreter, read-only) is put back, so that
  the grader can run;
* there is no network, only a loopback interface (the Jupyter kernel talks to otter over it);
* every capability is dropped (``setpriv``), so the submission cannot undo any of this;
* the environment is rebuilt from nothing: no variable of the instructor's shell gets in;
* when the PID namespace's first process ends, the kernel kills every process left in it, so
  nothing a submission starts survives its grading, and it cannot see or signal the grader.

Limits: a file-size limit caps every file the submission writes; the caller enforces the time
budget by killing the sandbox. This is isolation of the file system, network and processes on
one machine; it is not a virtual machine (same kernel, same CPU, same user id outside).
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import resource
import shutil
import socket
import struct
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

INSIDE_JOB_DIR = "/tmp/grading"
MAX_FILE_BYTES = 64 * 1024 * 1024  # no file written during grading can be larger (output cap)
BLAS_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "NUMEXPR_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1"}

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_MS_NOATIME, _MS_NODIRATIME, _MS_RELATIME = 1024, 2048, 1 << 21
_ST_TO_MS = {2: _MS_NOSUID, 4: _MS_NODEV, 8: _MS_NOEXEC, 1024: _MS_NOATIME, 2048: _MS_NODIRATIME,
             4096: _MS_RELATIME}


class SandboxUnavailable(RuntimeError):
    """This machine cannot create the namespaces (no unshare, or user namespaces disabled)."""


def grading_environment(home: str) -> dict[str, str]:
    """The complete environment of the graded code: nothing inherited from the caller."""
    venv_bin = str(Path(sys.executable).parent)
    return {"PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
            "TMPDIR": f"{home}/tmp", "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{home}/mpl",
            "IPYTHONDIR": f"{home}/ipython", "JUPYTER_CONFIG_DIR": f"{home}/jupyter",
            "JUPYTER_DATA_DIR": f"{home}/jupyter-data", "JUPYTER_RUNTIME_DIR": f"{home}/jupyter-runtime",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1", "PYTHONDONTWRITEBYTECODE": "1", **BLAS_ENV}


def available() -> str | None:
    """None when sandboxes can be made here, else the reason why not (one line)."""
    if sys.platform != "linux":
        return f"the sandbox needs Linux namespaces (this is {sys.platform})"
    for tool in ("unshare", "setpriv"):
        if shutil.which(tool) is None:
            return f"'{tool}' (util-linux) is not installed"
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "--net", "--pid", "--fork",
                            "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return "user namespaces are disabled here: " + (probe.stderr.strip().splitlines() or ["unshare failed"])[-1]
    return None


def sandboxed(command: Sequence[str], job_dir: Path, hide: Sequence[Path] = ()) -> list[str]:
    """The argument list that runs ``command`` in a sandbox whose only writable folder is ``job_dir``.

    ``command`` sees ``job_dir`` as ``/tmp/grading`` and runs there; ``hide`` adds folders to
    replace by empty ones (the repository, the home folder and the temporary folders always are).
    """
    from . import REPO_ROOT

    spec = {"command": list(command), "job_dir": str(job_dir.resolve()),
            "hide": [str(Path(path).resolve()) for path in hide],
            "repo": str(REPO_ROOT),
            "keep": sorted({str(Path(sys.prefix).resolve()), str(Path(sys.base_prefix).resolve())}),
            "home": os.path.expanduser("~")}
    return ["unshare", "--user", "--map-root-user", "--mount", "--net", "--pid", "--fork", "--kill-child",
            "--mount-proc", sys.executable, "-I", str(Path(__file__).resolve()), json.dumps(spec)]


# ----------------------------------------------------------------------------------------------
# Inside the namespaces (run as `python -I coursework/sandbox.py SPEC`).

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    result = _libc.mount(source.encode() if source else None, target.encode(),
                         fstype.encode() if fstype else None, flags, data.encode() if data else None)
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {source} on {target}: {os.strerror(error)}")


def _make_read_only(skip: Sequence[str]) -> None:
    """Remount every inherited mount read-only, keeping the flags that the kernel locked."""
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        points = [line.split()[4].replace("\\040", " ") for line in handle]
    for point in points:
        if any(point == s or point.startswith(s.rstrip("/") + "/") for s in skip):
            continue
        try:
            flags = os.statvfs(point).f_flag
        except OSError:
            continue
        kept = sum(ms for st, ms in _ST_TO_MS.items() if flags & st)
        try:
            _mount(None, point, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | kept)
        except OSError:
            pass  # e.g. a mount hidden under another one; what is reachable is covered


def _loopback_up() -> None:
    """``ip link set lo up`` without the ip tool (SIOCGIFFLAGS / SIOCSIFFLAGS)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, b"\0" * 14)
        flags = struct.unpack("16sH14s", fcntl.ioctl(sock, 0x8913, request))[1]
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH14s", b"lo", flags | 1, b"\0" * 14))


def inner(spec: dict) -> None:
    """Set the sandbox up (we are PID 1 of fresh namespaces, root inside) and exec the command."""
    job_fd = os.open(spec["job_dir"], os.O_PATH | os.O_DIRECTORY)
    keep_fds = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in spec["keep"]}
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    hidden = sorted({p for p in [spec["repo"], spec["home"], *spec["hide"], "/var/tmp", "/dev/shm", "/tmp"]
                     if p not in ("/", "") and os.path.isdir(p)}, key=len, reverse=True)
    for path in hidden:
        if os.path.isdir(path):  # (a folder inside one hidden before is gone already)
            _mount("tmpfs", path, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=512m,mode=0755")
    os.makedirs(INSIDE_JOB_DIR, exist_ok=True)
    _mount(f"/proc/self/fd/{job_fd}", INSIDE_JOB_DIR, None, _MS_BIND)
    os.close(job_fd)
    for path, fd in keep_fds.items():  # the Python environment (the venv and its base interpreter)
        if not os.path.isdir(path):
            os.makedirs(path, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", path, None, _MS_BIND | _MS_REC)
            _mount(None, path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY)
        os.close(fd)
    _make_read_only(skip=["/proc", "/dev", "/sys", *hidden])
    _loopback_up()
    home = f"{INSIDE_JOB_DIR}/home"
    env = grading_environment(home)
    for sub in ("tmp", "mpl", "ipython", "jupyter", "jupyter-data", "jupyter-runtime"):
        os.makedirs(f"{home}/{sub}", exist_ok=True)
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.chdir(INSIDE_JOB_DIR)
    setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
    os.execve(setpriv, [setpriv, "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--",
                        *spec["command"]], env)


if __name__ == "__main__":
    inner(json.loads(sys.argv[1]))
