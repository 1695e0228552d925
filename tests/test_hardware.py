import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_course import hardware
from gan_course.hardware import Accelerator

T4 = Accelerator("Tesla T4", (7, 5))
V100 = Accelerator("Tesla V100", (7, 0))
A100 = Accelerator("A100-SXM4-40GB", (8, 0))
H100 = Accelerator("H100", (9, 0))
P100 = Accelerator("Tesla P100", (6, 0))


@pytest.mark.parametrize(
    ("gpus", "tpu", "expected"),
    [
        ([], False, "float32"),
        ([P100], False, "float32"),
        ([T4], False, "mixed_float16"),
        ([V100, V100], False, "mixed_float16"),
        ([A100], False, "mixed_bfloat16"),
        ([H100, H100], False, "mixed_bfloat16"),
        ([A100, T4], False, "mixed_float16"),  # the oldest GPU decides
        ([Accelerator("unknown GPU")], False, "float32"),
        ([], True, "mixed_bfloat16"),
    ],
)
def test_choose_precision(gpus, tpu, expected):
    assert hardware.choose_precision(gpus, tpu=tpu) == expected


def test_explicit_precision_and_bad_values():
    assert hardware.choose_precision([A100], requested="float32") == "float32"
    with pytest.raises(ValueError, match="precision='float16'"):
        hardware.choose_precision([], requested="float16")
    with pytest.raises(ValueError, match="xla='yes'"):
        hardware.choose_jit([], requested="yes")


@pytest.mark.parametrize(("n_gpus", "tpu", "kind"),
                         [(0, False, "default"), (1, False, "default"), (2, False, "mirrored"),
                          (8, False, "mirrored"), (0, True, "tpu")])
def test_choose_strategy_kind(n_gpus, tpu, kind):
    assert hardware.choose_strategy_kind(n_gpus, tpu=tpu) == kind


def test_several_workers_choose_the_multi_worker_strategy():
    assert hardware.choose_strategy_kind(1, workers=2) == "multi_worker"
    assert hardware.choose_strategy_kind(2, workers=1) == "mirrored"


def _tf_config(workers, index, kind="worker"):
    return {"TF_CONFIG": json.dumps({"cluster": {"worker": workers},
                                     "task": {"type": kind, "index": index}})}


def test_cluster_from_tf_config():
    assert hardware.cluster_from_env({}) is None
    assert hardware.is_chief({})
    cluster = hardware.cluster_from_env(_tf_config(["a:1", "b:2"], 1))
    assert cluster == hardware.Cluster(workers=("a:1", "b:2"), index=1)
    assert not cluster.is_chief and not hardware.is_chief(_tf_config(["a:1", "b:2"], 1))
    with pytest.raises(ValueError, match="must be JSON such as"):
        hardware.cluster_from_env({"TF_CONFIG": "{cluster: oops"})
    with pytest.raises(ValueError, match="an index from 0 to 1"):
        hardware.cluster_from_env(_tf_config(["a:1", "b:2"], 2))
    with pytest.raises(ValueError, match='"type": "worker"'):
        hardware.cluster_from_env(_tf_config(["a:1"], 0, kind="ps"))


WORKER = textwrap.dedent("""
    import sys
    import numpy as np
    from gan_course import hardware
    from gan_course.training import GAN

    strategy = hardware.setup()
    import keras
    import tensorflow as tf

    sys.path.insert(0, sys.argv[2])
    import toy

    keras.utils.set_random_seed(0)
    with strategy.scope():
        generator, discriminator = toy.tiny_image_models()
        gan = GAN(generator, discriminator, latent_dim=4, ema_decay=0.9, seed=0)
        gan.compile()
    before = generator.get_weights()
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    gan.fit(toy.image_dataset(batch=8).with_options(options), epochs=1, steps_per_epoch=3,
            verbose=0)
    after = generator.get_weights() + gan.ema_generator.get_weights()
    np.savez(sys.argv[1], *after, step=gan.step, replicas=strategy.num_replicas_in_sync,
             kind=hardware.last_setup.strategy_kind,
             moved=max(float(np.abs(a - b).max()) for a, b in zip(before, after)))
""")


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_two_workers_on_loopback_train_to_the_same_weights(tmp_path):
    """MultiWorkerMirroredStrategy from TF_CONFIG: two processes, one GAN, the same weights."""
    workers = [f"localhost:{port}" for port in _free_ports(2)]
    tests = str(Path(__file__).resolve().parent)
    processes = []
    for index in range(2):
        env = dict(os.environ, GAN_COURSE_OFFLINE="1", CUDA_VISIBLE_DEVICES="",
                   **_tf_config(workers, index))
        processes.append(subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tmp_path / f"worker{index}.npz"), tests],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, err[-3000:]
            outputs.append(out)
    finally:
        for process in processes:
            process.kill()
    assert "strategy multi_worker with 2 replica(s) on 2 workers" in outputs[0]
    first, second = (np.load(tmp_path / f"worker{i}.npz") for i in range(2))
    for result in (first, second):
        assert str(result["kind"]) == "multi_worker" and int(result["replicas"]) == 2
        assert int(result["step"]) == 3 and float(result["moved"]) > 1e-4
    weights = [name for name in first.files if name.startswith("arr_")]
    assert weights and all(np.array_equal(first[w], second[w]) for w in weights)


def test_choose_jit():
    assert hardware.choose_jit([]) is False
    assert hardware.choose_jit([T4]) is True
    assert hardware.choose_jit([], tpu=True) is True
    assert hardware.choose_jit([T4], requested=False) is False


def test_setup_uses_the_faked_gpu_list(monkeypatch, float32_policy, capsys):
    monkeypatch.setattr(hardware, "list_gpus", lambda: [T4])
    monkeypatch.setattr(hardware, "_find_tpu", lambda: None)
    strategy = hardware.setup()
    assert keras.mixed_precision.global_policy().name == "mixed_float16"
    assert hardware.last_setup.jit_compile is True and hardware.jit_compile_default() is True
    assert strategy.num_replicas_in_sync == 1
    assert "mixed_float16" in capsys.readouterr().out


def test_setup_on_this_cpu(float32_policy):
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    strategy = hardware.setup(verbose=False)
    assert keras.mixed_precision.global_policy().name == "float32"
    assert hardware.last_setup.strategy_kind == "default"
    assert hardware.jit_compile_default() is False
    assert strategy is tf.distribute.get_strategy()


def test_describe_names_the_cpu():
    text = hardware.describe()
    assert "CPU" in text and tf.__version__ in text


def test_mirrored_strategy_over_two_virtual_cpus_trains(two_cpu_strategy):
    strategy = two_cpu_strategy  # made by hardware.make_strategy("mirrored", devices=...)
    assert isinstance(strategy, tf.distribute.MirroredStrategy)
    assert strategy.num_replicas_in_sync == 2
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4)).astype("float32")
    y = x @ np.array([1.0, -2.0, 0.5, 3.0], "float32")
    with strategy.scope():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    history = model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.1 * losses[0]


def test_unknown_strategy_kind():
    with pytest.raises(ValueError, match="Unknown strategy kind 'cluster'"):
        hardware.make_strategy("cluster")


@pytest.mark.gpu
def test_setup_on_a_real_gpu(float32_policy):
    gpus = hardware.list_gpus()
    strategy = hardware.setup()
    expected = hardware.choose_precision(gpus)
    assert keras.mixed_precision.global_policy().name == expected
    with strategy.scope():
        layer = keras.layers.Dense(8)
        out = layer(tf.ones((2, 4)))
    assert layer.kernel.dtype == "float32"  # variables stay float32 under mixed precision
    assert "GPU" in out.device


@pytest.mark.parametrize(("device", "width", "batch"),
                         [("CPU", 0.25, 64), ("GPU", 1.0, 128), ("TPU", 1.0, 128)])
def test_choose_scale_follows_the_device(device, width, batch):
    scale = hardware.choose_scale(device, cpu=(0.25, 64), accelerator=(1.0, 128))
    assert (scale.width, scale.batch, scale.device) == (width, batch, device)
    text = str(scale)
    assert text.startswith(f"{device}: width {width:g}, batch {batch}")
    assert ("a GPU would use width 1" in text) == (device == "CPU")
    assert scale.d_width == scale.width and "(D " not in text


@pytest.mark.parametrize(("device", "width", "d_width"), [("CPU", 0.375, 0.25), ("GPU", 1.0, 1.0)])
def test_a_scale_can_size_the_discriminator_apart(device, width, d_width):
    scale = hardware.choose_scale(device, cpu=(0.375, 128, 0.25), accelerator=(1.0, 128))
    assert (scale.width, scale.d_width) == (width, d_width)
    assert (f"width {width:g} (D {d_width:g}), batch" in str(scale)) == (width != d_width)


@pytest.mark.parametrize(("cpu", "match"), [((0.25,), "width, batch"),
                                            ((0.25, 64, 0.1, 2), "width, batch"),
                                            ((0.25, 64, 0.0), "d_width=0.0"),
                                            ((0.0, 64), "width=0.0"),
                                            ((0.25, 0), "batch=0")])
def test_bad_scales_are_refused(cpu, match):
    with pytest.raises(ValueError, match=match):
        hardware.choose_scale("CPU", cpu=cpu, accelerator=(1.0, 128))


def test_model_scale_reads_the_setup(monkeypatch, float32_policy, capsys):
    monkeypatch.setattr(hardware, "list_gpus", lambda: [T4])
    monkeypatch.setattr(hardware, "_find_tpu", lambda: None)
    hardware.setup(verbose=False)
    assert hardware.model_scale(cpu=(0.25, 64), accelerator=(1.0, 256)).width == 1.0
    monkeypatch.setattr(hardware, "list_gpus", lambda: [])
    hardware.setup(verbose=False)
    assert hardware.model_scale(cpu=(0.25, 64)).batch == 64
    assert "CPU: width 0.25, batch 64 (a GPU would use width 1)" in capsys.readouterr().out
    with pytest.raises(ValueError, match="device='NPU'"):
        hardware.choose_scale("NPU", (1, 1), (1, 1))


def test_seconds_per_image_runs_one_image_at_a_time_after_a_warm_up():
    calls = []

    def double(batch):
        calls.append(len(batch))
        return batch * 2

    images = np.arange(12, dtype=np.float32).reshape(3, 2, 2, 1)
    outputs, seconds = hardware.seconds_per_image(double, images)
    np.testing.assert_array_equal(outputs, images * 2)
    assert calls == [1, 1, 1, 1] and seconds >= 0  # the warm-up, then each image
    calls.clear()
    hardware.seconds_per_image(double, images, warmup=False)
    assert calls == [1, 1, 1]
    with pytest.raises(ValueError, match="at least one image"):
        hardware.seconds_per_image(double, images[:0])


BLACKWELL = hardware.Accelerator("NVIDIA RTX PRO 6000 Blackwell", (12, 0))


def test_xla_is_off_by_default_from_compute_capability_12(monkeypatch, float32_policy, capsys):
    assert hardware.choose_jit([BLACKWELL]) is False
    assert hardware.choose_jit([T4, BLACKWELL]) is False  # one such GPU is enough
    assert hardware.choose_jit([BLACKWELL], requested=True) is True  # asked for: tried anyway
    assert hardware.xla_note([T4]) == "" and hardware.xla_note([BLACKWELL], True) == ""
    monkeypatch.setattr(hardware, "list_gpus", lambda: [BLACKWELL])
    monkeypatch.setattr(hardware, "_find_tpu", lambda: None)
    hardware.setup()
    line = capsys.readouterr().out
    assert hardware.last_setup.jit_compile is False
    assert line.count("\n") == 1 and "XLA off" in line and "compute capability 12.0" in line


def test_a_tpu_runtime_without_tensorflow_tpu_support_is_said_and_skipped(monkeypatch, capsys):
    import importlib.util
    import os

    real_exists, real_find = os.path.exists, importlib.util.find_spec
    monkeypatch.setattr(os.path, "exists", lambda p: p == "/dev/accel0" or real_exists(p))
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "libtpu" else real_find(name, *a))
    monkeypatch.setattr(hardware, "_NOTED", [])
    assert hardware._find_tpu() is None and hardware._find_tpu() is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "use a GPU runtime for this course" in out


def test_a_first_step_that_xla_cannot_compile_trains_again_without_xla(monkeypatch, capsys):
    import toy

    from gan_course import training

    g, d = toy.tiny_image_models()
    gan = training.GAN(g, d, latent_dim=4)
    gan.compile(jit_compile=True)
    real_fit, calls = keras.Model.fit, []

    def fit(self, *args, **kwargs):
        calls.append(self.jit_compile)
        if self.jit_compile:
            raise tf.errors.InternalError(None, None, "ptxas fatal: PTX .version 8.7 does not "
                                          "support sm_120\\nmore detail")
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", fit)
    gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=2, verbose=0)
    assert calls == [True, False] and gan.step == 2 and gan.jit_compile is False
    out = capsys.readouterr().out
    assert "XLA could not compile the training step" in out and "sm_120" in out
    # any other error, or one after training started, is raised as it is
    gan.compile(jit_compile=True)
    monkeypatch.setattr(keras.Model, "fit", lambda self, *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        gan.fit(toy.image_dataset(), epochs=1, steps_per_epoch=2, verbose=0)


@pytest.mark.parametrize(("requested", "expected"),
                         [("auto", (0, 0)), (None, (0, 0)), ((4, 2), (4, 2)), ([3, 0], (3, 0))])
def test_choose_threads(requested, expected):
    assert hardware.choose_threads(requested) == expected


@pytest.mark.parametrize("bad", ["many", (4,), (4, -1), (2.5, 1), (True, 1), 4])
def test_bad_thread_settings_are_refused(bad):
    with pytest.raises(ValueError, match="intra_op, inter_op"):
        hardware.choose_threads(bad)


def test_setup_sets_the_threads_before_tensorflow_starts_and_says_so_after():
    script = textwrap.dedent("""
        from gan_course import hardware
        hardware.setup()
        hardware.setup(threads=(2, 1))  # TensorFlow has not run anything yet: it can change
        import tensorflow as tf
        print("pools", tf.config.threading.get_intra_op_parallelism_threads(),
              tf.config.threading.get_inter_op_parallelism_threads())
        print(float(tf.reduce_sum(tf.ones(3))))  # TensorFlow has started now
        hardware.setup(threads=(1, 2))
        print("kept", hardware.last_setup.threads)
    """)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    cores = hardware.usable_cores()
    assert (f"threads: TensorFlow's default, {cores} intra-op and {cores} inter-op (one per "
            "core).") in out
    assert "threads: 2 intra-op, 1 inter-op." in out
    assert "pools 2 1" in out and "kept (2, 1)" in out
    assert "threads: 2 intra-op, 1 inter-op (TensorFlow had started, so its threads stay" in out
