"""The notebook side's exceptions (lo_jupyter/errors.py)."""

from lo_jupyter.errors import JobCancelled, JobFailed, LoError, OrchestraError, WaitTimeout


def test_orchestra_error_names_status_message_and_request():
    exc = OrchestraError(406, "invalid dataset name", "POST", "/explore/histogram")
    assert (exc.status, exc.message) == (406, "invalid dataset name")
    assert str(exc) == "HTTP 406: invalid dataset name (POST /explore/histogram)"
    assert str(OrchestraError(0, "cannot reach x")) == "cannot reach x"
    assert isinstance(exc, LoError)


def test_job_failed_renders_the_remote_traceback():
    metadata = {"status": "failed", "error": {
        "message": "ValueError: boom",
        "traceback": "Traceback (most recent call last):\n  File \"<function f>\", line 2\n"
                     "ValueError: boom\n"}}
    exc = JobFailed("f", metadata)
    assert str(exc) == "'f' failed: ValueError: boom"
    assert exc.remote_message == "ValueError: boom" and "line 2" in exc.remote_traceback
    lines = exc._render_traceback_()
    assert lines[0] == "Remote traceback of 'f' (on the worker):"
    assert '  File "<function f>", line 2' in lines
    assert lines[-1] == "JobFailed: 'f' failed: ValueError: boom"


def test_cancelled_job_without_error_text():
    exc = JobCancelled("g", {"status": "cancelled"})
    assert isinstance(exc, JobFailed)
    assert str(exc) == "'g' cancelled: the job ended cancelled"
    assert exc._render_traceback_() == ["JobCancelled: 'g' cancelled: the job ended cancelled"]


def test_wait_timeout_is_a_timeout_error():
    exc = WaitTimeout("h", 2.5, {"status": "running"})
    assert isinstance(exc, TimeoutError)
    assert str(exc) == "'h' is still running after waiting 2.5 s"
