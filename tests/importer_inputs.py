"""Generated hostile inputs for every importer, shared by tests/security/test_importer_fuzz.py and
bench/fuzz_importers.py.

Seeds are small, valid inputs cut from the public reference files (a few controls and mappings each),
so one input reads in milliseconds and a bench can drive tens of thousands. Each generated input comes
from one strategy:

- ``bytes``: one to three byte edits of a file (flip, truncate, insert, delete, repeat a span);
- ``structure``: the parsed JSON / YAML document with nodes replaced by other types, dropped, or buried
  under deep nesting;
- ``inject``: string values replaced by hostile text: IRI and Turtle break-outs
  (``http://x> <http://evil/s> ...``), spreadsheet formulas, lone surrogates, control characters,
  200,000-character strings; aimed at the values that reach IRIs (CCM ``url``, OSCAL link ``href``,
  CISO ``copyright``) half of the time;
- ``alias`` (YAML: CISO libraries, SSSOM metadata): anchors and aliases, from a single alias to a
  ten-level "billion laughs";
- ``xml`` (xlsx): one part of the workbook (a sheet, shared strings, the workbook) truncated, flipped or
  given an entity declaration, then zipped again;
- ``files`` (the CCM bundle): a file replaced by a link to ``/proc/self/mem``, ``/proc/self/environ``,
  ``/etc/passwd`` or ``/proc``, a named pipe, a folder, or a link loop.

Every string that would break out of an IRI names ``http://evil/``: a dataset read from an input must
never hold a term under it (:func:`injected_terms`).
"""

from __future__ import annotations

import copy
import io
import json
import os
import random
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from controlgraph.importers import GraphContext, ImportOptions

EVIL = "http://evil/"
INJECTIONS: list[str] = [
    f'https://ok.example/> . <{EVIL}s> <{EVIL}p> <{EVIL}o> . <https://ok.example/',
    f'http://x> <{EVIL}s> "o" . <http://a',
    f'"\n<{EVIL}s> <{EVIL}p> "o" .\n#',
    f'"""; <{EVIL}s> <{EVIL}p> """',
    f"x\" ; <{EVIL}p> \"y",
    f"https://ok.example/#\n<{EVIL}s> <{EVIL}p> <{EVIL}o> .",
    '=HYPERLINK("http://evil/","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1",
    "\ud800", "a\x00b", "\x1b[31mred", "\u202eevil", "x" * 200_000, "https://" + "a" * 70_000,
    "<script>alert(1)</script>", "../../etc/passwd", "javascript:alert(1)", "", " ", "urn:x", "http://",
]
IRI_KEYS = {"url", "href", "copyright", "provider", "packager", "mapping_set_id", "license", "mapping_provider",
            "creator_id", "source", "see_also", "name", "annotation", "title", "description"}
FS_TARGETS = ["/proc/self/mem", "/proc/self/environ", "/etc/passwd", "/proc", "fifo", "folder", "loop"]

SSSOM_SEED = """\
# curie_map:
#   gdpr: https://w3id.org/controlgraph/id/control/gdpr/
#   iso27002-2022: https://w3id.org/controlgraph/id/control/iso27002-2022/
# mapping_set_id: https://example.org/sssom/fuzz.sssom.tsv
# mapping_set_version: "1"
# mapping_set_title: Fuzz set
# creator_label: Fuzz Curator
# publication_date: 2024-01-01
# license: https://creativecommons.org/publicdomain/zero/1.0/
subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\tcomment
gdpr:Art.32%281%29%28a%29\tskos:relatedMatch\tiso27002-2022:8.24\tsemapv:ManualMappingCuration\t0.9\tcryptography
gdpr:Art.25\tskos:relatedMatch\tiso27002-2022:8.27\tsemapv:ManualMappingCuration\t0.5\tby design
"""


def alias_bomb(depth: int, width: int = 9) -> str:
    """A YAML value built from anchors and aliases: ``width ** depth`` copies of a short string."""
    lines = ['a0: &a0 "lol"']
    for level in range(1, depth + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- seeds


def _trim_ccm(reference: Path, bundle: Path) -> None:
    source = reference / "csa-ccm-4.0.12" / "json-dataset" / "CCM"
    primary = json.loads((source / "primary-dataset.json").read_text("utf-8"))
    primary["domains"] = [dict(d, controls=d["controls"][:3]) for d in primary["domains"][:2]]
    kept = {c["id"] for d in primary["domains"] for c in d["controls"]}
    ownership = json.loads((source / "applicability" / "ownership.json").read_text("utf-8"))
    for model in ownership["content"]:
        model["content"] = [row for row in model["content"] if row.get("control_id") in kept]
    (bundle / "CCM" / "applicability").mkdir(parents=True)
    (bundle / "CCM" / "primary-dataset.json").write_text(json.dumps(primary, indent=1), "utf-8")
    (bundle / "CCM" / "applicability" / "ownership.json").write_text(json.dumps(ownership, indent=1), "utf-8")
    for folder in ("NIST_CSF_v2.0", "ISO27001_02-17-18"):
        blocks = json.loads((source / "mappings" / folder / "mappings.json").read_text("utf-8"))
        for block in blocks:
            block["mappings"] = [m for m in block["mappings"] if m.get("control_id") in kept]
        (bundle / "CCM" / "mappings" / folder).mkdir(parents=True)
        (bundle / "CCM" / "mappings" / folder / "mappings.json").write_text(json.dumps(blocks, indent=1), "utf-8")


def _trim_oscal(reference: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (reference / "csa-ccm-4.0.12" / "oscal-dataset" / "ccm-lite-v4.0.12-oscal.json").read_text("utf-8"))
    catalog = document["catalog"]
    catalog["groups"] = [dict(g, controls=g["controls"][:2]) for g in catalog["groups"][:2]]
    return document


def _trim_ciso(reference: Path) -> dict[str, Any]:
    library: dict[str, Any] = yaml.safe_load(
        (reference / "ciso-assistant" / "mapping-iso27001-2013-to-iso27001-2022.yaml").read_text("utf-8"))
    mapping_set = library["objects"]["requirement_mapping_set"]
    mapping_set["requirement_mappings"] = mapping_set["requirement_mappings"][30:40]
    return library


def _trim_csf(reference: Path) -> bytes:
    import openpyxl

    source = openpyxl.load_workbook(reference / "nist-csf-2.0" / "csf2-reference-tool-export_2024-06-17.xlsx",
                                    read_only=True, data_only=True)
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for sheet in source.worksheets:
        target = book.create_sheet(sheet.title)
        for n, row in enumerate(sheet.iter_rows(values_only=True)):
            if n >= 14:
                break
            target.append([c if not isinstance(c, str) else c[:2000] for c in row[:8]])
    source.close()
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Seeds:
    """The seed inputs, written once under ``root``; ``reset`` puts a kind's input back as it was."""

    root: Path
    ccm_files: dict[Path, bytes] = field(default_factory=dict)
    oscal: dict[str, Any] = field(default_factory=dict)
    ciso: dict[str, Any] = field(default_factory=dict)
    csf: bytes = b""

    @classmethod
    def make(cls, reference: Path, root: Path) -> Seeds:
        seeds = cls(root)
        _trim_ccm(reference, root / "bundle")
        seeds.ccm_files = {p: p.read_bytes() for p in sorted((root / "bundle").rglob("*.json"))}
        seeds.oscal = _trim_oscal(reference)
        seeds.ciso = _trim_ciso(reference)
        seeds.csf = _trim_csf(reference)
        return seeds

    def target(self, kind: str) -> Path:
        return {"ccm": self.root / "bundle", "csf-xlsx": self.root / "fuzz.xlsx", "ciso-yaml": self.root / "fuzz.yaml",
                "oscal-catalog": self.root / "fuzz.json", "sssom": self.root / "fuzz.sssom.tsv"}[kind]

    def reset_ccm(self) -> None:
        for path, data in self.ccm_files.items():
            if path.is_symlink() or path.is_fifo() or path.is_dir():
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.is_file() or path.read_bytes() != data:
                path.write_bytes(data)


# ---------------------------------------------------------------------------------------------- mutations


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 3)):
        if not data:
            return data
        at = rng.randrange(len(data))
        op = rng.choice(["flip", "truncate", "insert", "delete", "repeat"])
        if op == "flip":
            data = data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1:]
        elif op == "truncate":
            data = data[:at]
        elif op == "insert":
            data = data[:at] + rng.randbytes(rng.randint(1, 16)) + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + rng.randint(1, 64):]
        else:
            data = data[:at] + data[at:at + rng.randint(1, 256)] * rng.randint(2, 50) + data[at:]
    return data


HOSTILE_VALUES: list[Any] = [None, 0, -1, 10**30, 1.5e308, True, "", "x" * 200_000, "\u0000\ud7ff\ufffd", [], {},
                             [[[[[[[[[[]]]]]]]]]], {"": {"": {"": None}}}, ["a", 1, None]]


def _paths(doc: Any, limit: int = 4000) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = [()]
    stack: list[tuple[Any, tuple[Any, ...]]] = [(doc, ())]
    while stack and len(found) < limit:
        node, path = stack.pop()
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, child in children:
            found.append((*path, key))
            stack.append((child, (*path, key)))
    return found


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return doc


def mutate_structure(doc: Any, rng: random.Random) -> Any:
    doc = json.loads(json.dumps(doc, default=str))
    for _ in range(rng.randint(1, 3)):
        paths = _paths(doc)
        path = rng.choice(paths)
        try:
            op = rng.choice(["replace", "drop", "nest"])
            if op == "drop" and path:
                parent = doc
                for key in path[:-1]:
                    parent = parent[key]
                if isinstance(parent, dict):
                    parent.pop(path[-1], None)
            elif op == "nest":
                value: Any = _get(doc, path)
                for _ in range(rng.randint(50, 400)):
                    value = [value]
                doc = _set(doc, path, value)
            else:
                doc = _set(doc, path, copy.deepcopy(rng.choice(HOSTILE_VALUES)))  # never one object twice
        except (KeyError, IndexError, TypeError):
            continue
    return doc


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def inject_strings(doc: Any, rng: random.Random) -> Any:
    """Hostile text in one to three string values, aimed at IRI-bearing keys half of the time."""
    doc = json.loads(json.dumps(doc, default=str))
    strings = [p for p in _paths(doc) if p and isinstance(_get(doc, p), str)]
    aimed = [p for p in strings if isinstance(p[-1], str) and p[-1] in IRI_KEYS]
    for _ in range(rng.randint(1, 3)):
        pool = aimed if aimed and rng.random() < 0.5 else strings
        if pool:
            doc = _set(doc, rng.choice(pool), rng.choice(INJECTIONS))
    return doc


def json_text(doc: Any) -> str:
    try:
        return json.dumps(doc)
    except RecursionError:  # nested past what the encoder can write: send deep nesting as such
        return "[" * 100_000 + "]" * 100_000


def yaml_text(doc: Any) -> str:
    try:
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's when built with it: much faster
        return yaml.dump(doc, Dumper=dumper, allow_unicode=False, sort_keys=False)
    except (yaml.YAMLError, RecursionError, UnicodeError):
        return json_text(doc)  # JSON is YAML; the dumper refuses some values (lone surrogates)


def yaml_with_aliases(doc: dict[str, Any], rng: random.Random) -> str:
    """The document's YAML with anchors and aliases: a bomb at some value, or a plain reuse of one."""
    text = yaml_text(doc)
    if rng.random() < 0.5:
        depth = rng.randint(1, 10)
        bomb = alias_bomb(depth).replace("\n", "\n  ")
        key = rng.choice(["copyright", "provider", "name", "description", "packager"])
        return text + f"\nbomb:\n  {bomb}\n{key}: *a{depth}\n"
    lines = text.splitlines()
    anchored = [i for i, line in enumerate(lines) if ": " in line and not line.rstrip().endswith(":")]
    if not anchored:
        return "x: &x 1\ny: *x\n"
    i = rng.choice(anchored)
    key, value = lines[i].split(": ", 1)
    lines[i] = f"{key}: &reused {value}"
    return "\n".join(lines) + "\nextra: *reused\n"


def mutate_xlsx_part(data: bytes, rng: random.Random) -> bytes:
    """One XML part of the workbook truncated, flipped or given an entity declaration, zipped again."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = [i.filename for i in source.infolist() if i.filename.endswith(".xml")]
    chosen = rng.choice([p for p in parts if "sheet" in p or "sharedStrings" in p or "workbook" in p] or parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == chosen:
                op = rng.choice(["truncate", "bytes", "entity", "empty"])
                if op == "truncate":
                    content = content[:rng.randrange(max(len(content), 1))]
                elif op == "bytes":
                    content = mutate_bytes(content, rng)
                elif op == "entity":
                    decl = rng.choice(['<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
                                       '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'])
                    content = content.replace(b"?>", b"?>" + decl.encode(), 1)
                else:
                    content = b""
            archive.writestr(info.filename, content)
    return out.getvalue()


def break_ccm_file(seeds: Seeds, rng: random.Random) -> None:
    """A file of the bundle replaced by a link out of it, a pipe, a folder or a link loop."""
    path = rng.choice(list(seeds.ccm_files))
    path.unlink()
    target = rng.choice(FS_TARGETS)
    if target == "fifo":
        os.mkfifo(path)
    elif target == "folder":
        path.mkdir()
    elif target == "loop":
        path.symlink_to(path)
    else:
        path.symlink_to(target)


# ---------------------------------------------------------------------------------------------- inputs

STRATEGIES: dict[str, list[str]] = {
    "ccm": ["bytes", "structure", "inject", "files"],
    "csf-xlsx": ["bytes", "xml", "inject"],
    "ciso-yaml": ["bytes", "structure", "inject", "alias"],
    "oscal-catalog": ["bytes", "structure", "inject"],
    "sssom": ["bytes", "inject", "alias"],
}


def _inject_xlsx(data: bytes, rng: random.Random) -> bytes:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[-1]
    for _ in range(rng.randint(1, 3)):
        cell = sheet.cell(row=rng.randint(1, sheet.max_row), column=rng.randint(1, 5))
        value = rng.choice(INJECTIONS)
        cell.value = value.replace("\x00", "").replace("\x1b", "")[:32_000] if "\ud800" not in value else "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _inject_sssom(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 3)):
        value = rng.choice(INJECTIONS).replace("\n", " ").replace("\r", " ").replace("\t", " ")
        i = rng.randrange(len(lines))
        if lines[i].startswith("#") and ": " in lines[i]:
            key = lines[i].split(": ", 1)[0]
            lines[i] = f"{key}: {json.dumps(value)}"
        elif not lines[i].startswith("#") and i > 0 and "\t" in lines[i]:
            cells = lines[i].split("\t")
            cells[rng.randrange(len(cells))] = value
            lines[i] = "\t".join(cells)
    return "\n".join(lines) + "\n"


def _sssom_with_aliases(rng: random.Random) -> str:
    block, table = SSSOM_SEED.split("subject_id", 1)
    meta = yaml.safe_load("\n".join(line[1:] for line in block.splitlines()))
    text = yaml_with_aliases(meta, rng)
    return "".join(f"#{line}\n" for line in text.splitlines()) + "subject_id" + table


def write_input(kind: str, strategy: str, seeds: Seeds, rng: random.Random) -> None:
    """Write one generated input of ``kind`` at ``seeds.target(kind)``."""
    target = seeds.target(kind)
    if kind == "ccm":
        seeds.reset_ccm()
        if strategy == "files":
            break_ccm_file(seeds, rng)
            return
        path = rng.choice(list(seeds.ccm_files))
        original = seeds.ccm_files[path]
        if strategy == "bytes":
            path.write_bytes(mutate_bytes(original, rng))
        else:
            change: Callable[[Any, random.Random], Any] = mutate_structure if strategy == "structure" \
                else inject_strings
            path.write_text(json_text(change(json.loads(original), rng)), "utf-8")
    elif kind == "csf-xlsx":
        data = {"bytes": mutate_bytes, "xml": mutate_xlsx_part, "inject": _inject_xlsx}[strategy](seeds.csf, rng)
        target.write_bytes(data)
    elif kind == "ciso-yaml":
        if strategy == "bytes":
            target.write_bytes(mutate_bytes(yaml_text(seeds.ciso).encode(), rng))
        elif strategy == "alias":
            target.write_text(yaml_with_aliases(seeds.ciso, rng), "utf-8")
        else:
            change = mutate_structure if strategy == "structure" else inject_strings
            target.write_text(yaml_text(change(seeds.ciso, rng)), "utf-8", errors="surrogatepass")
    elif kind == "oscal-catalog":
        if strategy == "bytes":
            target.write_bytes(mutate_bytes(json.dumps(seeds.oscal).encode(), rng))
        else:
            change = mutate_structure if strategy == "structure" else inject_strings
            target.write_text(json_text(change(seeds.oscal, rng)), "utf-8")
    else:
        if strategy == "bytes":
            target.write_bytes(mutate_bytes(SSSOM_SEED.encode(), rng))
        elif strategy == "alias":
            target.write_text(_sssom_with_aliases(rng), "utf-8")
        else:
            target.write_text(_inject_sssom(SSSOM_SEED, rng), "utf-8", errors="surrogatepass")


def options_for(kind: str, rng: random.Random) -> ImportOptions:
    """An OSCAL catalog is read as a framework new to the graph half of the time (its provenance is written)."""
    if kind == "oscal-catalog" and rng.random() < 0.5:
        return ImportOptions(framework="oscal-fuzz")
    return ImportOptions()


def context_for(kind: str, full: GraphContext, rng: random.Random) -> GraphContext:
    """The graph's frameworks; for CCM, half of the time without CCM (the bundle's catalog is then written)."""
    if kind == "ccm" and rng.random() < 0.5:
        return GraphContext({s: g for s, g in full.frameworks.items() if s != "csa-ccm-4"})
    return full


def injected_terms(triples: list[ox.Triple]) -> list[str]:
    """Terms of a dataset under the injection namespace (there must be none)."""
    found = []
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(EVIL):
                found.append(str(t))
    return found


def framework_context(mappings: Path) -> GraphContext:
    """The frameworks of the shipped catalogs (mappings/frameworks/*.ttl), without building the graph."""
    from controlgraph.store.embedded import EmbeddedStore

    store = EmbeddedStore(None)
    graphs: dict[str, list[ox.Triple]] = {}
    for path in sorted((mappings / "frameworks").glob("*.ttl")):
        graphs[f"https://w3id.org/controlgraph/id/graph/{path.stem}"] = [
            ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    store.replace_everything(graphs)
    return GraphContext.from_store(store)
