#!/usr/bin/env python3
"""CTests `install`, `static-package` and `libpg-query-version`: what a user installs runs, and runs anywhere.

install BUILD_DIR MIGRASAFE_BIN
    `cmake --install BUILD_DIR` into a temporary prefix: the binary runs from there, and the manual
    page (generated from the help texts) lists every command and option `--help` shows and renders
    without groff warnings.

static STATIC_BUILD_DIR MIGRASAFE_BIN
    Packages a MIGRASAFE_STATIC=ON build with CPack (the release tarball and the .deb of `make dist`),
    checks their SHA-256 files, that the binary is statically linked and stripped, then runs it in an
    empty chroot (nothing but the binary and the SQL): on the examples and on every fixture, its
    output and exit code must equal those of MIGRASAFE_BIN (the dynamic build). The .deb is installed
    with dpkg into an empty root, run there by chroot, and removed again.

libpg-query-version BUILD_DIR MIGRASAFE_BIN
    Configures the source against a pg_query.h of the PostgreSQL 16 series: CMake must stop, naming
    the grammar it found and the libpg_query series migrasafe supports.

Exit codes: 0 pass, 1 fail, 77 skipped (no static build given, or chroot not permitted).
"""
import concurrent.futures
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
SKIP = 77
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)
    return condition


def run(cmd, cwd=None, ok_codes=(0,)):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode not in ok_codes:
        raise SystemExit(f"{' '.join(map(str, cmd))} exited {r.returncode}:\n{r.stdout}{r.stderr}")
    return r


# --- install -----------------------------------------------------------------

def help_entries(binary):
    """The commands --help lists, and for each the option names its --help lists."""
    top = run([binary, "--help"]).stdout
    commands = re.findall(r"^  ([a-z-]+) {2,}", top.split("Subcommands:")[1], re.M)
    options = {}
    for command in commands:
        text = run([binary, command, "--help"]).stdout
        options[command] = re.findall(r"^  (-[^ ]+|--[^ ]+)", text, re.M)
    return commands, options


def test_install(build_dir, binary):
    prefix = Path(tempfile.mkdtemp(prefix="migrasafe-install-"))
    try:
        run(["cmake", "--install", build_dir, "--prefix", prefix])
        installed = prefix / "bin" / "migrasafe"
        man = prefix / "share" / "man" / "man1" / "migrasafe.1"
        for f in (installed, man, prefix / "share" / "doc" / "migrasafe" / "CHANGELOG.md"):
            check(f.is_file(), f"cmake --install wrote {f.relative_to(prefix)}")
        installed_files = sorted(str(p.relative_to(prefix)) for p in prefix.rglob("*") if p.is_file())
        check(len(installed_files) == 4, f"cmake --install installs the binary, man page, README, CHANGELOG only: {installed_files}")
        version = run([installed, "--version"]).stdout
        check(version == run([binary, "--version"]).stdout, "the installed binary is the built one")
        r = run([installed, "check", "examples/"], cwd=SOURCE, ok_codes=(1,))
        check("create-index-non-concurrently" in r.stdout, "the installed binary reports on examples/")

        page = man.read_text()
        commands, options = help_entries(binary)
        check(len(commands) >= 8, f"--help lists the commands ({commands})")
        for command in commands:
            check(f".SS {command}\n".replace("-", "\\-") in page, f"the man page has a section for `{command}`")
            for option in options[command]:
                check(option.replace("-", "\\-") in page, f"the man page lists `{command} {option}`")
        check("man-page" not in commands and ".SS man\\-page" not in page, "the hidden man-page command is not listed")
        check("\\-\\-version" in page and "EXIT STATUS" in page and "4 internal error" in page,
              "the man page has --version and the exit codes")
        if shutil.which("groff"):
            r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", man], capture_output=True, text=True)
            check(r.returncode == 0 and r.stderr == "", f"groff renders the man page without warnings: {r.stderr}")
        else:
            check(False, "groff is installed (scripts/setup-deps.sh --test installs groff-base)")
    finally:
        shutil.rmtree(prefix)


# --- libpg-query-version -------------------------------------------------------

def test_libpg_query_version(build_dir):
    work = Path(tempfile.mkdtemp(prefix="migrasafe-configure-"))
    try:
        include = work / "include"
        include.mkdir()
        real = Path(re.search(r"^PG_QUERY_INCLUDE:PATH=(.*)$", (Path(build_dir) / "CMakeCache.txt").read_text(),
                              re.M).group(1)) / "pg_query.h"
        (include / "pg_query.h").write_text(real.read_text().replace('PG_VERSION "15.', 'PG_VERSION "16.'))
        r = subprocess.run(["cmake", "-S", SOURCE, "-B", work / "build", f"-DPG_QUERY_INCLUDE={include}",
                            "-DMIGRASAFE_TESTS=OFF"], capture_output=True, text=True)
        message = " ".join((r.stdout + r.stderr).split())
        check(r.returncode != 0, "configuring against a PostgreSQL 16 pg_query.h fails")
        check("has the PostgreSQL 16." in message and "migrasafe supports libpg_query 15-4.x" in message,
              f"the configure error names the grammar found and the supported series: {message[-600:]}")
    finally:
        shutil.rmtree(work)


# --- static ------------------------------------------------------------------

def elf_facts(path):
    """(has an interpreter or dynamic section, has a symbol table) of an ELF64 little-endian file."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise SystemExit(f"{path} is not an ELF64 file")
    phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 0x36)
    PT_DYNAMIC, PT_INTERP, SHT_SYMTAB = 2, 3, 2
    dynamic = any(struct.unpack_from("<I", data, phoff + i * phentsize)[0] in (PT_DYNAMIC, PT_INTERP)
                  for i in range(phnum))
    symbols = any(struct.unpack_from("<I", data, shoff + i * shentsize + 4)[0] == SHT_SYMTAB
                  for i in range(shnum))
    return dynamic, symbols


def verify_checksum(package):
    """The .sha256 file next to `package` names it and holds its SHA-256 (as `sha256sum -c` reads it)."""
    sums = Path(str(package) + ".sha256").read_text().split()
    digest = hashlib.sha256(package.read_bytes()).hexdigest()
    check(sums == [digest, package.name], f"{package.name}.sha256 is `{digest}  {package.name}`: {sums}")


def chroot_prefix():
    """How to chroot here: as root directly, otherwise in a user namespace; None if neither works."""
    for prefix in (["chroot"], ["unshare", "--map-root-user", "chroot"]):
        if shutil.which(prefix[0]) and subprocess.run(prefix + ["/", "true"], capture_output=True).returncode == 0:
            return prefix
    return None


def with_sql(root):
    """Copies the examples and fixtures into `root`, so both binaries see the same relative paths."""
    for d in ("examples", "fixtures"):
        shutil.copytree(SOURCE / d, root / d)


def compare_runs(chroot, root, binary_in_root, dynamic):
    """Every invocation gives the same output and exit code in the chroot as the dynamic build."""
    invocations = [["--version"], ["rules", "--format", "json"], ["rule", "MS101"],
                   ["check", "examples"], ["check", "--format", "sarif", "examples"],
                   ["explain", "--format", "json", "examples"], ["sources", "examples"]]
    invocations += [["check", "--format", "json", str(f.relative_to(root))]
                    for f in sorted((root / "fixtures").rglob("*.sql"))]
    invocations += [["check", str(d.relative_to(root))] for d in sorted((root / "fixtures" / "layouts").iterdir())]

    def both(args):
        # `chroot DIR CMD` runs CMD in DIR's /, the same directory the dynamic build runs in.
        static = subprocess.run(chroot + [root, binary_in_root] + args, capture_output=True, text=True)
        native = subprocess.run([dynamic] + args, cwd=root, capture_output=True, text=True)
        return args, static, native

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(both, invocations))
    # SARIF names the repository root (originalUriBaseIds): `/` in the chroot, `root` outside it.
    def outside(text):
        return text.replace(str(root), "")

    differing = [" ".join(args) for args, s, n in results
                 if (s.returncode, s.stdout, s.stderr) != (n.returncode, outside(n.stdout), outside(n.stderr))]
    crashed = [" ".join(args) for args, s, _ in results if s.returncode not in (0, 1)]
    check(not differing, f"static and dynamic builds agree on all {len(results)} runs; differ on: {differing[:10]}")
    check(not crashed, f"the static binary exits 0 or 1 on the examples and fixtures; not on: {crashed[:10]}")
    examples = next(s for args, s, _ in results if args == ["check", "examples"])
    check(examples.returncode == 1 and "create-index-non-concurrently" in examples.stdout,
          "in the chroot, `check examples` reports the examples' findings")
    print(f"static-package: {len(results)} invocations compared")


def test_static(static_build, dynamic):
    if not static_build:
        print("static-package: skipped: no static build (configure with -DMIGRASAFE_STATIC_BUILD=DIR, as make test does)")
        return SKIP
    static_build = Path(static_build)
    cache = (static_build / "CMakeCache.txt").read_text()
    if "MIGRASAFE_STATIC:BOOL=ON" not in cache:
        raise SystemExit(f"{static_build} is not a MIGRASAFE_STATIC=ON build")
    chroot = chroot_prefix()
    if chroot is None:
        print("static-package: skipped: this user can neither chroot nor create a user namespace")
        return SKIP
    version = re.search(r"CMAKE_PROJECT_VERSION:STATIC=(\S+)", cache).group(1)

    work = Path(tempfile.mkdtemp(prefix="migrasafe-static-"))
    try:
        out = work / "packages"
        run(["cpack", "--config", static_build / "CPackConfig.cmake", "-B", work / "cpack",
             "-D", f"CPACK_OUTPUT_FILE_PREFIX={out}"])
        tarball = out / f"migrasafe-{version}-linux-x86_64.tar.gz"
        debs = list(out.glob(f"migrasafe_{version}_*.deb"))
        check(tarball.is_file(), f"cpack wrote {tarball.name}: {sorted(p.name for p in out.iterdir())}")
        check(len(debs) == 1, f"cpack wrote one migrasafe_{version}_ARCH.deb")
        if failures:
            return 1
        verify_checksum(tarball)
        verify_checksum(debs[0])

        # The tarball alone in an empty root.
        root = work / "root"
        with tarfile.open(tarball) as t:
            names = t.getnames()
            top = f"migrasafe-{version}-linux-x86_64"
            check(f"{top}/bin/migrasafe" in names and f"{top}/share/man/man1/migrasafe.1" in names,
                  f"the tarball holds {top}/bin/migrasafe and its man page: {names}")
            t.extractall(work)
        root.mkdir()
        shutil.copy2(work / top / "bin" / "migrasafe", root / "migrasafe")
        dynamic_linked, symbols = elf_facts(root / "migrasafe")
        check(not dynamic_linked, "the released binary is statically linked (no interpreter, no dynamic section)")
        check(not symbols, "the released binary is stripped")
        with_sql(root)
        compare_runs(chroot, root, "/migrasafe", dynamic)

        # The .deb into an empty root, by dpkg, run there by chroot.
        fields = run(["dpkg-deb", "--field", debs[0], "Package", "Version", "Depends"]).stdout
        check("Package: migrasafe" in fields and f"Version: {version}" in fields and "Depends" not in fields,
              f"the static .deb is migrasafe {version} with no dependencies: {fields}")
        deb_root = work / "deb-root"
        for d in ("var/lib/dpkg/updates", "var/lib/dpkg/info"):
            (deb_root / d).mkdir(parents=True)
        (deb_root / "var/lib/dpkg/status").touch()
        run(["dpkg", f"--root={deb_root}", "--install", debs[0]])
        listed = run(["dpkg", f"--root={deb_root}", "--listfiles", "migrasafe"]).stdout.split()
        check("/usr/bin/migrasafe" in listed and "/usr/share/man/man1/migrasafe.1" in listed,
              f"dpkg installed /usr/bin/migrasafe and its man page: {listed}")
        shutil.copytree(SOURCE / "examples", deb_root / "examples")
        r = subprocess.run(chroot + [deb_root, "/usr/bin/migrasafe", "check", "--format", "json", "examples"],
                           capture_output=True, text=True)
        n = subprocess.run([dynamic, "check", "--format", "json", "examples"], cwd=deb_root, capture_output=True, text=True)
        check(r.returncode == 1 and (r.returncode, r.stdout) == (n.returncode, n.stdout),
              f"the .deb's binary reports on the examples as the dynamic build does: {r.returncode} {r.stderr}")
        run(["dpkg", f"--root={deb_root}", "--remove", "migrasafe"])
        check(not (deb_root / "usr/bin/migrasafe").exists(), "dpkg removes the package again")
    finally:
        shutil.rmtree(work)
    return 0


def main():
    tests = {"install": test_install, "static": test_static,
             "libpg-query-version": lambda build, _binary: test_libpg_query_version(build)}
    if len(sys.argv) != 4 or sys.argv[1] not in tests:
        print(__doc__, file=sys.stderr)
        return 2
    mode, build, binary = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
    status = tests[mode](build, binary)
    if status == SKIP:
        return SKIP
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
