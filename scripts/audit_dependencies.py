"""CI step: pip-audit over the installed environment, telling "no vulnerabilities" from "could not audit".

pip-audit asks PyPI's JSON API (pypi.org, per package version) for known vulnerabilities. Where that
API cannot be reached or does not answer for the versions installed, pip-audit skips the packages and
still prints "No known vulnerabilities found". This step counts the skipped packages: a known
vulnerability fails the build (exit 1).

When pip-audit could look up nothing (here the per-version endpoint answers 404 while the rest of
PyPI is reachable), a second pass asks PyPI's project endpoint, whose ``vulnerabilities`` list is the
one of the project's newest release: it audits every pin that is the newest release, and names the
pins it cannot audit (older than the newest) rather than passing them silently.

    .venv/bin/python scripts/audit_dependencies.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

VENV_BIN = Path(sys.executable).parent
CONSTRAINTS = Path(__file__).resolve().parent.parent / "constraints.txt"
PROJECT_JSON = "https://pypi.org/pypi/{name}/json"


def pinned_packages(constraints: Path = CONSTRAINTS) -> dict[str, str]:
    """name -> version of every ``name==version`` line."""
    pins = {}
    for line in constraints.read_text("utf-8").splitlines():
        name, sep, version = line.split("#", 1)[0].strip().partition("==")
        if sep:
            pins[name.strip()] = version.strip()
    return pins


def _project(name: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(PROJECT_JSON.format(name=name), timeout=30) as response:
            return dict(json.load(response))
    except (urllib.error.URLError, TimeoutError, ValueError):
        return None


def newest_release_audit(pins: dict[str, str]) -> int:
    """Audit the pins that are their project's newest release; exit status as for pip-audit."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        projects = dict(zip(pins, pool.map(_project, pins), strict=True))
    audited, older, unreachable, findings = [], [], [], []
    for name, version in sorted(pins.items(), key=lambda kv: kv[0].lower()):
        project = projects[name]
        if project is None:
            unreachable.append(name)
            continue
        newest = str(project.get("info", {}).get("version", ""))
        if newest != version:
            older.append(f"{name} {version} (newest {newest})")
            continue
        audited.append(name)
        for vuln in project.get("vulnerabilities") or []:
            if not vuln.get("withdrawn"):
                fixed = ", ".join(vuln.get("fixed_in") or []) or "no fixed version yet"
                findings.append(f"{name} {version}: {vuln.get('id')} (fixed in: {fixed})")
    for finding in findings:
        print(f"project-audit: {finding}")
    print(f"project-audit: {len(audited)} of {len(pins)} pins audited (they are their project's newest release); "
          f"{len(findings)} known vulnerabilities")
    if older:
        print(f"project-audit: NOT AUDITED, older than the newest release ({len(older)}): {'; '.join(older)}")
    if unreachable:
        print(f"project-audit: NOT AUDITED, PyPI did not answer ({len(unreachable)}): {', '.join(unreachable)}")
    return 1 if findings else 0


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        report_path = Path(folder) / "audit.json"
        done = subprocess.run(
            [str(VENV_BIN / "pip-audit"), "--progress-spinner", "off", "--skip-editable", "--format", "json",
             "--output", str(report_path)],
            capture_output=True, text=True, timeout=900, check=False,
        )
        if not report_path.exists():
            print(f"pip-audit: NOT RUN (exit {done.returncode}): {done.stderr.strip()[-500:]}")
            return 0
        report = json.loads(report_path.read_text("utf-8"))
    packages = report.get("dependencies", [])
    skipped = [p for p in packages if p.get("skip_reason")]
    vulnerable = [p for p in packages if p.get("vulns")]
    audited = len(packages) - len(skipped)
    for package in vulnerable:
        for vuln in package["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"pip-audit: {package['name']} {package['version']}: {vuln['id']} (fixed in: {fixed})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} vulnerable package(s) of {audited} audited")
        return 1
    if packages and audited == 0:
        print(f"pip-audit: NOT PERFORMED: none of the {len(packages)} packages could be looked up "
              f"(first reason: {skipped[0]['skip_reason']}); falling back to PyPI's project endpoint")
        return newest_release_audit(pinned_packages())
    print(f"pip-audit: no known vulnerabilities in {audited} audited package(s); {len(skipped)} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
