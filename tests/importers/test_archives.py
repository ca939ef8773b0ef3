"""A bundle sent as one archive is unpacked safely, or refused whole with nothing left behind."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from controlgraph.errors import InputError
from controlgraph.importers.archives import MAX_RATIO, unpack_archive

MB = 1024 * 1024


def zipped(members: dict[str, bytes], *, modes: dict[str, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if modes and name in modes:
                info.external_attr = modes[name] << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def tarred(members: list[tarfile.TarInfo | tuple[str, bytes]], mode: str = "w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:  # type: ignore[call-overload]
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                archive.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                archive.addfile(info, io.BytesIO(member[1]))
    return buffer.getvalue()


def special(name: str, kind: bytes, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def test_a_zip_and_a_tar_unpack_to_the_same_files_with_the_one_top_folder_as_the_bundle(tmp_path: Path) -> None:
    files = {"json-dataset/CCM/primary-dataset.json": b'{"version": "4.0.12"}',
             "json-dataset/CCM/mappings/X/mappings.json": b"[]"}
    from_zip = unpack_archive(zipped(files), tmp_path / "z", name="b.zip", max_bytes=MB)
    from_tar = unpack_archive(tarred(list(files.items())), tmp_path / "t", name="b.tgz", max_bytes=MB)
    for root in (from_zip, from_tar):
        assert root.name == "json-dataset"
        assert (root / "CCM" / "primary-dataset.json").read_bytes() == b'{"version": "4.0.12"}'
        assert (root / "CCM" / "mappings" / "X" / "mappings.json").read_bytes() == b"[]"
    plain = unpack_archive(tarred([("CCM/a.json", b"1"), ("b.json", b"2")], mode="w"), tmp_path / "p",
                           name="b.tar", max_bytes=MB)
    assert plain == tmp_path / "p" and (plain / "CCM" / "a.json").read_bytes() == b"1"


@pytest.mark.parametrize("name", ["../escape.json", "/etc/escape.json", "CCM/../../escape.json",
                                  "C:/escape.json", "CCM\\..\\escape.json"])
def test_names_that_could_land_outside_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    for label, data in (("zip", zipped({"CCM/ok.json": b"{}", name: b"{}"})),
                        ("tar", tarred([("CCM/ok.json", b"{}"), (name, b"{}")]))):
        folder = tmp_path / label
        with pytest.raises(InputError, match="unsafe name"):
            unpack_archive(data, folder, name=f"b.{label}", max_bytes=MB)
        assert list(folder.iterdir()) == []  # what was unpacked before the bad member is gone
    assert not (tmp_path / "escape.json").exists() and not (tmp_path.parent / "escape.json").exists()


@pytest.mark.parametrize("member", [
    special("CCM/link.json", tarfile.SYMTYPE, "/etc/passwd"),
    special("CCM/hard.json", tarfile.LNKTYPE, "CCM/ok.json"),
    special("CCM/dev", tarfile.CHRTYPE),
    special("CCM/fifo", tarfile.FIFOTYPE),
])
def test_links_and_special_files_in_a_tar_are_refused(tmp_path: Path, member: tarfile.TarInfo) -> None:
    with pytest.raises(InputError, match="link or a special file"):
        unpack_archive(tarred([("CCM/ok.json", b"{}"), member]), tmp_path / "t", name="b.tgz", max_bytes=MB)
    assert list((tmp_path / "t").iterdir()) == []


def test_a_symbolic_link_in_a_zip_is_refused(tmp_path: Path) -> None:
    data = zipped({"CCM/link.json": b"/etc/passwd"}, modes={"CCM/link.json": stat.S_IFLNK | 0o777})
    with pytest.raises(InputError, match="link or a special file"):
        unpack_archive(data, tmp_path / "z", name="b.zip", max_bytes=MB)


def test_a_name_given_twice_is_refused(tmp_path: Path) -> None:
    # "CCM/./a.json" is another member name in the archive but the same file once unpacked.
    for label, data in (("zip", zipped({"CCM/a.json": b"first", "CCM/./a.json": b"second"})),
                        ("tar", tarred([("CCM/a.json", b"first"), ("CCM/a.json", b"second")]))):
        with pytest.raises(InputError, match="twice"):
            unpack_archive(data, tmp_path / label, name=f"b.{label}", max_bytes=MB)


def test_zip_bombs_and_oversized_archives_are_refused_while_reading(tmp_path: Path) -> None:
    bomb = zipped({"CCM/zeros.json": b"0" * (40 * MB)})
    assert len(bomb) * MAX_RATIO < 40 * MB  # it expands far more than the ratio allows
    with pytest.raises(InputError, match="zip bomb"):
        unpack_archive(bomb, tmp_path / "bomb", name="bomb.zip", max_bytes=64 * MB)
    assert list((tmp_path / "bomb").iterdir()) == []
    with pytest.raises(InputError, match="more than 1,048,576 bytes"):
        unpack_archive(zipped({"CCM/a.json": b"x" * (2 * MB)}), tmp_path / "big", name="big.zip", max_bytes=MB)
    with pytest.raises(InputError, match="more than 1,048,576 bytes"):
        unpack_archive(tarred([("CCM/a.json", b"x" * (2 * MB))]), tmp_path / "bigt", name="big.tgz", max_bytes=MB)
    many = zipped({f"CCM/{i}.json": b"{}" for i in range(30)})
    with pytest.raises(InputError, match="more than 20 members"):
        unpack_archive(many, tmp_path / "many", name="many.zip", max_bytes=MB, max_entries=20)


def test_what_is_not_an_archive_or_is_damaged_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a zip or tar archive"):
        unpack_archive(b'{"version": "4.0.12"}', tmp_path / "a", name="b.zip", max_bytes=MB)
    good = zipped({"CCM/a.json": b"{}" * 1000})
    with pytest.raises(InputError, match="damaged archive"):
        unpack_archive(good[: len(good) // 2], tmp_path / "b", name="b.zip", max_bytes=MB)
    gz = tarred([("CCM/a.json", b"{}" * 1000)])
    with pytest.raises(InputError):
        unpack_archive(gz[: len(gz) // 2], tmp_path / "c", name="c.tgz", max_bytes=MB)
