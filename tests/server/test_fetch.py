import http.server
import threading

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


@pytest.fixture(scope="module")
def odd_server():
    """Bodies without a Content-Length (read to the end of the connection), and redirects."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the handler's API
            if self.path.startswith("/redirect"):
                self.send_response(302)
                self.send_header("Location", self.path.split("?to=", 1)[1])
                self.end_headers()
                return
            self.send_response(200)
            self.end_headers()  # no length: HTTP/1.0, the body ends with the connection
            for _ in range(50):
                self.wfile.write(b"y" * 1000)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_a_body_is_read_as_a_file_and_copied(files, tmp_path):
    url = files.add("body.bin", bytes(range(256)) * 20)
    seen = []
    with fetch.Body(url, tmp_path / "copy", 10_000, 30,
                    lambda f, m: seen.append(f)) as body:
        assert body.total == 5120
        assert body.read(100) == bytes(range(100))  # exactly as many bytes as asked
        buffer = bytearray(200)
        assert body.readinto(buffer) == 200 and buffer == (bytes(range(256)) * 2)[100:300]
        assert body.read() == (bytes(range(256)) * 20)[300:]
        assert body.read(10) == b""
        assert body.drain() == 5120
    assert (tmp_path / "copy").read_bytes() == bytes(range(256)) * 20
    assert seen and seen[-1] == pytest.approx(0.9)


def test_a_body_without_a_length_is_stopped_at_the_limit(odd_server, tmp_path):
    assert fetch.download(f"{odd_server}/x", tmp_path / "a", 50_000, 30) == 50_000
    with fetch.Body(f"{odd_server}/x", tmp_path / "b", 20_000, 30) as body:
        assert body.total == 0
        with pytest.raises(ValueError, match="passed the 20000-byte limit"):
            body.drain()
        with pytest.raises(ValueError, match="20000-byte limit"):  # and stays stopped
            body.read(10)


def test_the_time_limit_counts_waiting_for_the_network(odd_server, tmp_path):
    with pytest.raises(TimeoutError, match="longer than 1e-09 s"):
        fetch.download(f"{odd_server}/x", tmp_path / "a", 10**6, 1e-9)


def test_error_statuses_and_redirects_off_the_web_are_refused(files, odd_server, tmp_path):
    with pytest.raises(ValueError, match="HTTP 404"):
        fetch.download(f"{files.url}/nothing-here", tmp_path / "a", 100, 30)
    here = files.add("target.txt", "moved")
    assert fetch.download(f"{odd_server}/redirect?to={here}", tmp_path / "b", 100, 30) == 5
    with pytest.raises(Invalid, match="scheme 'ftp'"):
        fetch.download(f"{odd_server}/redirect?to=ftp://example.org/x", tmp_path / "c",
                       100, 30)
    with pytest.raises(Invalid, match="scheme 'file'"):
        fetch.probe(f"{odd_server}/redirect?to=file:///etc/passwd")
