"""TensorFlow's start-up noise is filtered out; real errors and a user's log level are kept."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gan_course import lessons, tf_logging

HERE = Path(__file__).resolve().parent
#: What a line of TensorFlow's C++ (absl) logging looks like: severity, date, time, thread ...
ABSL_LINE = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:[\d.]+ +\d+ \S+:\d+\]")

STARTUP = """\
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1795298691.902836    8914 port.cc:153] oneDNN custom operations are on. You may see
I0000 00:00:1795298691.903198    8914 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
I0000 00:00:1795298691.949819    8914 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations.
To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.
E0000 00:00:1795298694.001757    8914 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)
2026-11-21 22:00:01.000000: E external/local_xla/xla/stream_executor/cuda/cuda_fft.cc:467] Unable to register cuFFT factory: Attempting to register factory for plugin cuFFT when one has already been registered
E0000 00:00:1795298694.1 8914 cuda_dnn.cc:8579] Unable to register cuDNN factory: Attempting to register factory for plugin cuDNN when one has already been registered
W0000 00:00:1795298694.1 8914 computation_placer.cc:177] computation placer already registered. Please check linkage and avoid linking the same target more than once.
"""  # noqa: E501
REAL = "E0000 00:00:1795298694.1 8914 op_kernel.cc:1] OOM when allocating tensor\n"


def test_only_the_known_startup_lines_are_dropped():
    assert tf_logging.keep_real_lines(STARTUP) == ""
    assert tf_logging.keep_real_lines(STARTUP + REAL + "Traceback (most recent call last)\n") == (
        REAL + "Traceback (most recent call last)\n")
    assert all(ABSL_LINE.match(line) for line in STARTUP.splitlines()
               if line.startswith(("I0", "E0", "W0")))  # the pattern the notebook test looks for


def _import_in_a_fresh_process(env_level):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    if env_level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = env_level
    code = ("import os, gan_course, tensorflow_hub; "
            "print(os.environ['TF_CPP_MIN_LOG_LEVEL'])")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120, check=True)


@pytest.mark.parametrize(("env_level", "expected"), [(None, "2"), ("0", "0")])
def test_import_is_quiet_and_keeps_the_users_level(env_level, expected):
    result = _import_in_a_fresh_process(env_level)
    assert result.stdout.strip() == expected
    if env_level is None:
        noise = [line for line in result.stderr.splitlines() if ABSL_LINE.match(line)
                 or "absl::InitializeLog" in line or "Warning" in line]
        assert noise == [], result.stderr


@pytest.mark.notebook
def test_a_training_notebook_shows_no_log_noise(monkeypatch):
    # ipykernel forwards C++ (file-descriptor) output to the notebook, as in a learner's Jupyter,
    # except under pytest: it checks this variable. Without it the test would see no C++ lines.
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    result = lessons.execute_notebook(HERE / "notebooks" / "quiet_training.ipynb", quick=True)
    assert result.ok, result.error
    texts = [output.get("text", "") for cell in result.notebook.cells
             for output in cell.get("outputs", []) if output.get("output_type") == "stream"]
    lines = "".join(texts).splitlines()
    noise = [line for line in lines if (ABSL_LINE.match(line) or "absl" in line
                                        or "remapper" in line) and "a real error" not in line]
    assert noise == [], noise
    assert any("a real error still shows" in line for line in lines), lines  # real errors show


def test_no_retracing_warning_drops_that_warning_alone_and_only_inside_its_block(caplog):
    import logging

    tf_logger = logging.getLogger("tensorflow")
    retracing = ("5 out of the last 22 calls to <function f at 0x1> triggered tf.function "
                 "retracing. Tracing is expensive")
    with caplog.at_level("WARNING", logger="tensorflow"):
        with tf_logging.no_retracing_warning():
            tf_logger.warning(retracing)
            tf_logger.warning("a real problem")
        assert not tf_logger.filters
        tf_logger.warning("after the block: %s", retracing)
    messages = [record.getMessage() for record in caplog.records]
    assert messages == ["a real problem", f"after the block: {retracing}"]
