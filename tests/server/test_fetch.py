import pytest

from lo_server import fetch
from lo_server.errors import Invalid


@pytest.mark.parametrize("url, words", [
    ("file:///etc/passwd", "scheme 'file'"), ("ftp://host/x", "scheme 'ftp'"),
    ("http://", "no host"), ("http://a b", "spaces"), ("", "invalid url"),
    ("http://host:99999999/", "invalid url"), ("javascript:alert(1)", "scheme"),
])
def test_only_http_urls_with_a_host(url, words):
    with pytest.raises(Invalid, match=words):
        fetch.check_url(url)


def test_download_streams_and_enforces_the_size_limit(files, tmp_path):
    url = files.add("data.bin", b"x" * 5000)
    assert fetch.download(url, tmp_path / "a", max_bytes=10_000, timeout=30) == 5000
    assert (tmp_path / "a").read_bytes() == b"x" * 5000
    with pytest.raises(ValueError, match="5000 bytes, over the 100-byte limit"):
        fetch.download(url, tmp_path / "b", max_bytes=100, timeout=30)


def test_probe_names_missing_and_unreachable_urls(files):
    fetch.probe(files.add("here.txt", "hi"))
    with pytest.raises(Invalid, match="HTTP 404"):
        fetch.probe(f"{files.url}/not-here.txt")
    with pytest.raises(Invalid, match="unreachable"):
        fetch.probe("http://127.0.0.1:9/x", timeout=2)


def test_code_urls(files):
    assert fetch.looks_like_url(" https://example.org/code.py\n")
    assert not fetch.looks_like_url("print('http://example.org')")
    assert fetch.download_text(files.add("code.py", "response = 1\n")) == "response = 1\n"
