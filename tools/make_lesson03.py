"""Write notebooks/03_conditional_gan_pix2pix.ipynb from the cells below (outputs empty).

    .venv/bin/python tools/make_lesson03.py

Edit the cells here or in Jupyter; the notebook is the source of truth once committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
CELLS: list[tuple[str, str]] = []


def md(text: str) -> None:
    CELLS.append(("markdown", text.strip("\n")))


def code(text: str) -> None:
    CELLS.append(("code", text.strip("\n")))


md(r"""
# 03 · Conditional GANs, and pix2pix colorization in Lab space

**Goals.** After this lesson you can
1. turn a GAN that draws *anything* into one that draws *what you ask for*: a class-conditional
   GAN, G(z | y) and D(x | y), with the label given to D in two ways (concatenation and a
   projection discriminator);
2. **measure** whether it listens: the share of samples the course's Fashion-MNIST classifier
   puts in the requested class (*conditional accuracy*), and the Fréchet distance per class;
3. build pix2pix (Isola et al., 2017): a U-Net generator with skip connections, a PatchGAN
   discriminator that judges (input, output) pairs, and the loss cGAN + lambda L1; compute the
   PatchGAN's receptive field;
4. colour grey photos in **Lab** space, and show with numbers (PSNR, SSIM, colourfulness) what
   the adversarial term adds to an L1-only colouriser;
5. write a results page (`index.html`) as the reference pix2pix tool's test mode does, and
   follow the losses in TensorBoard.

**Time.** Quick mode (`GAN_COURSE_QUICK=1`): about 2 minutes on a 2-core CPU (measured), with
short budgets and rough results. Full mode: three class-conditional GANs of 10 minutes each and
two colourisers of 8 minutes each, so about 50 minutes on any machine; a GPU gets more steps
done in that time. The networks are sized for the device (`hardware.model_scale`), not for the
mode.
""")

code("""
import sys

IN_COLAB = "google.colab" in sys.modules
if IN_COLAB:  # install the course's helper package, with its data (about a minute)
    %pip install --quiet "gan-course @ git+https://github.com/gan-course/gan-course"
""")

code("""
from gan_course import callbacks, hardware, image_ops, losses, metrics, reports, settings, viz
from gan_course.data import FASHION_MNIST_CLASSES, gan_dataset, load_fashion_mnist
from gan_course.lessons import report_metric
from gan_course.training import GAN

import keras
import numpy as np

strategy = hardware.setup()
settings.seed_everything(0)
QUICK = settings.quick_mode()
print("quick mode" if QUICK else "full mode")
START_FRESH = False  # True: forget this lesson's earlier runs and train them again

(x_train, y_train), (x_test, y_test) = load_fashion_mnist()
run_dir = settings.cache_dir("lesson03")
""")

md(r"""
## Part A · A GAN that takes orders: the conditional GAN

Lesson 1's generator draws *some* piece of clothing; which one depends on z alone. A
**conditional GAN** (Mirza & Osindero, 2014) gives both players an extra input y, here the
class label: G(z | y) makes an image of class y, and D(x | y) judges whether x is a real image
*of class y*. The value function is lesson 1's with y added:

$$V(D, G) = \mathbb{E}_{(x, y) \sim p_\text{data}}[\log D(x \mid y)]
          + \mathbb{E}_{z,\, y}[\log(1 - D(G(z \mid y) \mid y))]$$

A D that sees the label punishes a perfect sneaker drawn for "bag": G must draw the class it
was asked for. The training core needs no change: a batch is now `(images, labels)`, and the
core calls G([z, y]) and D([x, y]).

**Two ways to give D the label.**
- **Concatenation** (as in keras-io's conditional GAN): G gets the one-hot label beside z; D
  gets ten label *maps* (channel k all ones when y = k) beside the image, so its first
  convolution sees pixels and label together.
- **Projection** (Miyato & Koyama, 2018): D computes features phi(x) from the image alone and
  adds a class-dependent inner product at the end,
  $D(x, y) = y^\top V \phi(x) + \psi(\phi(x))$, where V holds one learned vector per class.
  The label enters once, where it is most useful: "do these features match class y?".

Both discriminators below use lesson 1's DCGAN layers, so they differ only in where y enters.
""")

code("""
from gan_course.models.conditional import (
    CGAN_SCALE,
    build_conditional_discriminator,
    build_conditional_generator,
)

viz.show_source(build_conditional_generator, build_conditional_discriminator)
""")

md(r"""
The training set-up is lesson 1's DCGAN recipe (Adam 2e-4 and beta1 = 0.5, an EMA generator)
with the labels in the batches. The live grid shows one column per class, from fixed noise.
We train three GANs for the same budget: the two conditional ones, and lesson 1's
unconditional DCGAN as the yardstick.
""")

code("""
scale = hardware.model_scale(**CGAN_SCALE)  # narrower networks on a CPU, full ones on a GPU
LATENT, BATCH, STEPS_PER_EPOCH = 100, scale.batch, 100
DATA_TAG = f"Fashion-MNIST, {len(x_train)} training images"
GRID_LABELS = np.tile(np.arange(10), 3).astype("int32")  # three rows, one column per class


def train(gan, name, labels=True, minutes=10, quick_minutes=0.3, max_steps=30_000):
    \"\"\"fit() for the time budget with the lesson's callbacks; returns the history.\"\"\"
    budget = settings.time_budget(minutes, quick_minutes=quick_minutes)
    dataset = gan_dataset(x_train, BATCH, labels=y_train.astype("int32") if labels else None,
                          repeat=True)
    run = callbacks.lesson_callbacks(run_dir / name, budget, samples=30, ncols=10,
                                     condition=GRID_LABELS if labels else None,
                                     data_tag=DATA_TAG, start_fresh=START_FRESH)
    history = gan.fit(dataset, epochs=max_steps // STEPS_PER_EPOCH,
                      steps_per_epoch=STEPS_PER_EPOCH, verbose=0, callbacks=run)
    print(f"{name}: {gan.step} steps in total")
    return history


def adam():
    return keras.optimizers.Adam(2e-4, beta_1=0.5)


cgans = {}
for conditioning in ("concat", "projection"):
    with strategy.scope():
        cgans[conditioning] = GAN(
            build_conditional_generator(LATENT, width=scale.width),
            build_conditional_discriminator(width=scale.width, conditioning=conditioning),
            latent_dim=LATENT, ema_decay=0.999)
        cgans[conditioning].compile(g_optimizer=adam(), d_optimizer=adam())
    train(cgans[conditioning], f"cgan_{conditioning}")
""")

md(r"""
The yardstick: lesson 1's unconditional DCGAN, same width, batch, optimizers and budget.
""")

code("""
from gan_course.models.fashion_mnist import build_dcgan_discriminator, build_dcgan_generator

with strategy.scope():
    dcgan = GAN(build_dcgan_generator(LATENT, width=scale.width),
                build_dcgan_discriminator(width=scale.width), latent_dim=LATENT, ema_decay=0.999)
    dcgan.compile(g_optimizer=adam(), d_optimizer=adam())
history = train(dcgan, "dcgan_unconditional", labels=False)
""")

md(r"""
**z carries the style, y the class.** One row per class, one column per noise vector: every
column uses the *same* z for all ten classes. Read a column downwards and the class changes
while something stays: the thickness, the brightness, the pose. Read a row across and the
class stays while the style changes.
""")

code("""
N_STYLES = 8
rng = np.random.default_rng(7)
z = rng.standard_normal((N_STYLES, LATENT)).astype("float32")
grid_noise = np.tile(z, (10, 1))                               # the same 8 z for every class
grid_labels = np.repeat(np.arange(10), N_STYLES).astype("int32")  # row k: class k
for conditioning, gan in cgans.items():
    viz.show_grid(gan.generate(grid_noise, condition=grid_labels), ncols=N_STYLES,
                  title=f"{conditioning}: rows T-shirt ... ankle boot, columns = one z each")
""")

md(r"""
### Does it draw what we ask for? Numbers

- **Conditional accuracy**: generate 200 samples per class and let the course's classifier
  (about 91% accurate on real test images) name each one. The share named as requested is the
  conditional accuracy. Real test images with their true labels give the ceiling; a generator
  that ignored the label would score about 10%.
- **FD per class**: lesson 1's Fréchet distance, computed class by class against the real test
  images of that class. For the unconditional DCGAN, which has no labels, we group its samples
  by the class the classifier puts them in.
""")

code("""
PER_CLASS = 200
labels = np.repeat(np.arange(10), PER_CLASS).astype("int32")
samples = {name: gan.generate(n=len(labels), condition=labels) for name, gan in cgans.items()}
plain = dcgan.generate(n=len(labels))
plain_classes = metrics.classify(plain)

ceiling = metrics.conditional_accuracy(x_test, y_test)
print(f"{'':<22}{'cond. accuracy':>15}{'FD':>8}   (real test images: accuracy {ceiling:.1%})")
rows = {}
for name, images in samples.items():
    rows[name] = (metrics.conditional_accuracy_per_class(images, labels),
                  metrics.fashion_mnist_fd_per_class(images, labels, x_test, y_test))
    print(f"{'cGAN, ' + name:<22}{metrics.conditional_accuracy(images, labels):>15.1%}"
          f"{metrics.fashion_mnist_fd(images, x_test):>8.2f}")
rows["DCGAN"] = (np.full(10, np.nan),
                         metrics.fashion_mnist_fd_per_class(plain, plain_classes, x_test, y_test))
print(f"{'unconditional DCGAN':<22}{'-':>15}{metrics.fashion_mnist_fd(plain, x_test):>8.2f}")

print(f"\\n{'FD per class':<14}" + "".join(f"{name[:11]:>13}" for name in rows))
for k, class_name in enumerate(FASHION_MNIST_CLASSES):
    print(f"{class_name:<14}" + "".join(f"{fd[k]:>13.1f}" for _, fd in rows.values()))
print(f"unconditional DCGAN's samples per class: {np.bincount(plain_classes, minlength=10)}")
best = max(samples, key=lambda name: metrics.conditional_accuracy(samples[name], labels))
report_metric(f"conditional accuracy (cGAN, {best})",
              100 * metrics.conditional_accuracy(samples[best], labels), unit="%",
              note=f"real test images {100 * ceiling:.1f}%")
""")

md(r"""
Read the table with the budget in mind. The three GANs had the same minutes, so differences
between them are about the method. A cGAN's per-class FD compares its 200 samples *of that
class* with the real ones: it is low only if the class is drawn well and in its variety. For
the unconditional DCGAN each row holds whatever it happened to draw of that class; rows with
few samples are noisy, and a class it rarely draws barely shows up at all. In full mode on a
2-core CPU (10 minutes each, `bench/cgan_quality.py`), concatenation reached a conditional
accuracy of 80.8% (FD 15.6) and projection 90.8% (FD 6.6), against the real images' 91.5%: the
label given once, at the end, is the easier one for D to use. Quick-mode numbers are far lower.
Exercise 1 asks you to run them longer.

## Part B · pix2pix: image-to-image translation

A class label is a tiny condition. **pix2pix** (Isola et al., 2017) conditions on a whole
image: labels to photo, map to aerial view, edges to shoes, day to night, grey to colour. G
gets the input image y and must produce the matching output x; D judges *pairs* (x, y).

- **No z.** The authors found that G learned to ignore the noise; the only randomness left is
  dropout, which stays on in three decoder layers. (`GAN(..., latent_dim=None)` tells the core
  that G takes the condition alone.)
- **Loss.** cGAN + lambda L1, with lambda = 100:
  $$G^* = \arg\min_G \max_D \mathcal{L}_\text{cGAN}(G, D)
          + \lambda\, \mathbb{E}\lVert x - G(y)\rVert_1$$
  L1 alone gives the right *average* answer, which is blurry (and, for colour, grey-brown);
  the cGAN term alone gives sharp outputs with artefacts; together they are best (Isola et
  al., Table 1).
- **U-Net generator.** An encoder of 4x4 stride-2 convolutions down to 1x1, a decoder of
  transposed convolutions back up, and **skip connections** that hand each decoder layer the
  encoder's features of the same size. The input and output share their structure (the edges
  of a grey photo are the edges of the colour one), so low-level detail goes straight across
  instead of through the 1x1 bottleneck.
- **PatchGAN discriminator.** D outputs a *map* of logits, one per patch, and the losses
  average it. Each logit sees only an NxN patch: D judges texture and local colour, the L1
  term handles the low frequencies.

The builders take the image size and a width, so a learner can change any layer from here:
""")

code("""
from gan_course.models import pix2pix

viz.show_source(pix2pix.build_unet_generator, pix2pix.build_patch_discriminator)
""")

md(r"""
**How big is a patch?** The receptive field r of a stack of convolutions grows layer by layer:
$r_\text{out} = r_\text{in} + (k - 1)\, j_\text{in}$ and $j_\text{out} = j_\text{in} \cdot s$,
where k is the kernel size, s the stride and j the distance, in input pixels, between
neighbouring outputs (Araujo et al., 2019). For the paper's discriminator (three stride-2
layers, then two stride-1 layers, all 4x4):
""")

code("""
from gan_course.models import receptive_field, receptive_field_table

standard = pix2pix.build_patch_discriminator(256, input_channels=1, target_channels=2)
print(f"{'layer':<8}{'kernel':>7}{'stride':>7}{'jump':>6}{'receptive field':>17}")
for row in receptive_field_table(standard):
    print(f"{row.layer:<8}{row.kernel:>7}{row.stride:>7}{row.jump:>6}{row.receptive_field:>17}")
print(f"at 256x256 it outputs a {standard.output_shape[1]}x{standard.output_shape[2]} map of "
      f"logits, each judging a {receptive_field(standard)}x{receptive_field(standard)} patch")
""")

md(r"""
Isola et al. (Table 3) compared patch sizes at 256x256: 1x1 ("PixelGAN") and 16x16 gave worse
results, 70x70 the best, and the whole 286x286 image was no better while having more
parameters. 70 pixels is about a quarter of the image. Our CPU crops are 64x64, where a 70x70
patch would see everything, so `patch_layers_for` gives 64-pixel crops two stride-2 layers
(34x34 patches).

## Part C · Colorization in Lab space

An RGB photo mixes brightness and colour in all three channels. **Lab** separates them: L is
the lightness (0 to 100), exactly the grey photo we are given; a (green to red) and b (blue to
yellow) are the colour. So the colouriser does not have to reproduce the picture, only to
predict two channels: G maps L (1 channel) to ab (2 channels), and the output is L with the
predicted ab, turned back into RGB.

Scaling for a tanh network, as the reference tool does: L / 50 - 1 and a / 110, b / 110
(over the sRGB gamut a lies in [-86, 98] and b in [-108, 95]). The conversion is the
package's TensorFlow sRGB <-> Lab (it matches scikit-image's `rgb2lab` to 0.005), so it runs
inside `tf.data`:
""")

code("""
from gan_course.data import colorization_dataset, lab_pairs

viz.show_source(lab_pairs)
""")

md(r"""
The photos: online, the 3,670 TensorFlow flower photos (CC-BY), downloaded once; offline, the
colour photos that ship inside scikit-image, scikit-learn and matplotlib. Training uses random
crops of some photos; the numbers below use crops of two photos that are **never** trained
on. Here is one crop split into its channels:
""")

code("""
size_key = "cpu" if scale.device == "CPU" else "accelerator"
IMAGE_SIZE = pix2pix.COLORIZATION_IMAGE_SIZE[size_key]
p2p_scale = hardware.model_scale(**pix2pix.PIX2PIX_SCALE)
photos, held_out = colorization_dataset(size=IMAGE_SIZE, batch_size=p2p_scale.batch)
pairs = photos.map(lab_pairs)                   # (target ab, input L), as GAN.fit takes them
held_ab, held_l = (x.numpy() for x in lab_pairs(held_out))
held_rgb = (held_out + 1) / 2                   # the real photos, in [0, 1]

example = held_rgb[:1]
channels = [np.repeat((held_l[:1] + 1) / 2, 3, axis=-1)]
for k in (0, 1):                                # a, then b, each on a mid-grey L
    ab = np.zeros_like(held_ab[:1])
    ab[..., k] = held_ab[:1, ..., k]
    channels.append(image_ops.model_lab_to_rgb(np.zeros_like(held_l[:1]), ab).numpy())
fig = viz.show_grid(np.concatenate([example, *channels]), ncols=4, value_range=image_ops.UNIT,
                    title="photo | L (the input) | a only | b only (on mid-grey)")
print(f"{len(held_out)} held-out crops of {IMAGE_SIZE}x{IMAGE_SIZE}")
""")

md(r"""
### Two colourisers, one budget

Both get the same U-Net and the same number of minutes:
1. **cGAN + L1**: pix2pix, with the PatchGAN judging (ab, L) pairs;
2. **L1 only**: the same generator trained on 100 x L1 alone. `GAN(generator, None, ...)` has
   no discriminator: the core takes G's steps on its `g_terms` only.

The live grid shows the held-out crops as they get coloured. The losses also go to
TensorBoard, one folder per run.
""")

code("""
LAMBDA = 100.0
l1 = {"l1": lambda real, fake, condition: LAMBDA * losses.l1(real, fake)}
grid_l = held_l[:8]


def as_rgb(ab, lightness):
    \"\"\"G's ab and the lightness it was given -> RGB in [-1, 1], for the live grid.\"\"\"
    return image_ops.model_lab_to_rgb(lightness, ab).numpy() * 2 - 1


colourisers = {}
for name, with_d in (("cGAN + L1", True), ("L1 only", False)):
    with strategy.scope():
        generator = pix2pix.build_unet_generator(IMAGE_SIZE, input_channels=1,
                                                 output_channels=2, width=p2p_scale.width)
        discriminator = pix2pix.build_patch_discriminator(
            IMAGE_SIZE, input_channels=1, target_channels=2, width=p2p_scale.width,
            n_layers=pix2pix.patch_layers_for(IMAGE_SIZE)) if with_d else None
        gan = GAN(generator, discriminator, latent_dim=None, g_terms=l1)
        gan.compile(g_optimizer=adam(), d_optimizer=adam())
    budget = settings.time_budget(8, quick_minutes=0.4)
    folder = run_dir / ("pix2pix" if with_d else "l1_only")
    run = callbacks.lesson_callbacks(folder, budget, samples=8, ncols=8, condition=grid_l,
                                     to_picture=as_rgb, tensorboard=True, start_fresh=START_FRESH,
                                     data_tag=f"colour photos {IMAGE_SIZE}px")
    gan.fit(pairs, epochs=100_000, steps_per_epoch=50, verbose=0, callbacks=run)
    print(f"{name}: {gan.step} steps in total")
    colourisers[name] = gan
""")

code("""
viz.show_tensorboard(run_dir)
""")

md(r"""
### Results on photos never trained on

Each held-out crop: its grey input, the two colourisers' outputs, the real photo. Then three
numbers per colouriser, on all held-out crops:
- **PSNR** (dB) and **SSIM** of the RGB result against the real photo (scikit-image's
  `peak_signal_noise_ratio` and `structural_similarity`): pixel and structure fidelity;
- **colourfulness ratio**: Hasler & Süsstrunk's colourfulness (2003; about 33 is "moderately"
  and 59 "quite" colourful) of the outputs divided by that of the real photos. 1 is as
  colourful as the photos; below 1 is washed out.
""")

code("""
coloured, scores = {}, {}
for name, gan in colourisers.items():
    ab = gan.generate(condition=held_l, batch_size=16)
    coloured[name] = np.clip(image_ops.model_lab_to_rgb(held_l, ab).numpy(), 0, 1)
    scores[name] = metrics.colour_fidelity(coloured[name], held_rgb, value_range=image_ops.UNIT)
grey = np.repeat((held_l + 1) / 2, 3, axis=-1)
fig = viz.show_grid(np.concatenate([grey[:8], coloured["L1 only"][:8],
                                    coloured["cGAN + L1"][:8], held_rgb[:8]]), ncols=8,
                    value_range=image_ops.UNIT, scale=2.0,
                    title="rows: grey input | L1 only | cGAN + L1 | real photo")
print(f"{'':<12}{'PSNR (dB)':>10}{'SSIM':>8}{'colourfulness ratio':>21}")
for name, s in scores.items():
    print(f"{name:<12}{s['psnr']:>10.2f}{s['ssim']:>8.3f}{s['colourfulness_ratio']:>21.3f}")
gan_ratio, l1_ratio = (scores[name]["colourfulness_ratio"] for name in ("cGAN + L1", "L1 only"))
closer = abs(gan_ratio - 1) < abs(l1_ratio - 1)
print(f"In this run the cGAN's colours are {'closer to' if closer else 'NOT closer to'} the "
      f"photos' colourfulness than L1 alone ({gan_ratio:.2f} vs {l1_ratio:.2f}), at "
      f"{scores['cGAN + L1']['psnr'] - scores['L1 only']['psnr']:+.2f} dB PSNR.")
report_metric("colourfulness ratio (cGAN + L1)", gan_ratio,
              note=f"L1 only {l1_ratio:.3f}; 1.0 = as the photos")
""")

md(r"""
**What to expect, and what the numbers say.** Isola et al. found L1 alone washes colour out:
the a, b histograms of L1-only outputs overlapped the real ones by 0.69 / 0.70 on Cityscapes,
against 0.84 / 0.82 with L1 + cGAN. The reason is the L1 loss itself: when a shirt could be red
or blue, the output that minimises the *expected* L1 error is the median colour, a dull grey.
The adversarial term punishes that dull average, because real photos are not grey, so the
cGAN's colourfulness ratio should end up closer to 1. PSNR usually does not improve, and may
drop a little: a plausible red where the photo had blue is far in pixels.

Our offline data bends that story, and the numbers show it. Eight training photos are not a
world of colours: several are strongly red or orange (a retina, stained tissue, a rocket's
flame), so the L1 average of "fur-like texture" is not grey but orange, and on the held-out
cat *both* colourisers overshoot (a ratio above 1). After 5 minutes each on this CPU the
cGAN's ratio was the closer to 1, but only just (1.11 against 1.14, `bench/README.md`); the
washed-out L1 colouriser of the paper shows with many varied photos (tf_flowers online, or
your own). In the first minutes (quick mode) either run can lead: the PatchGAN has not yet
learned what real colour looks like. The line above says which way this run went.

### A results page

The reference pix2pix tool's test mode writes an `index.html` with one row per test image and
the columns name | input | output | target. `reports.write_results_page` does the same in the
run folder, with the numbers on top, so you can open it in a browser or share the folder:
""")

code("""
rows = [(f"held-out {i:02d}", grey[i], coloured["cGAN + L1"][i], held_rgb[i])
        for i in range(len(held_rgb))]
numbers = {f"{name}: {key}": value for name, s in scores.items() for key, value in s.items()}
page = reports.write_results_page(run_dir / "results", rows, numbers=numbers,
                                  title="Lesson 3: cGAN + L1 colorization, held-out crops",
                                  value_range=image_ops.UNIT)
print(f"results page: {page}")
reports.show_results_page(page, rows=3)
""")

md(r"""
## What goes wrong, and how to see it

- **D wins and G ignores its input.** If D learns much faster than G (a higher learning rate,
  a much bigger network), G's adversarial loss climbs in TensorBoard while `d_fake` drops
  to 0; G may then paint plausible colours that have nothing to do with the photo. With
  pix2pix the L1 term keeps G tied to the input; with a class-conditional GAN watch the
  conditional accuracy fall towards 10%.
- **lambda too high or too low.** With lambda far above 100 the L1 term dominates and the
  colours wash out into sepia; with lambda near 0 the colours are vivid but wrong, with
  artefacts and patches of invented colour. Exercise 4 measures this.
- **BatchNorm in training mode at test time.** The TensorFlow pix2pix tutorial calls
  `generator(x, training=True)` when it shows results, which normalises with the test batch's
  statistics and (in Keras) updates the moving averages with test data
  (tensorflow/tensorflow#29478). `gan.generate` always runs G in inference mode.
- **Checkerboard artefacts.** Transposed convolutions whose kernel the stride does not divide
  evenly paint some output pixels more often than others (Odena et al., 2016). The U-Net's 4x4
  kernels with stride 2 divide evenly, but checkerboards can still appear early in training;
  resize-then-convolve layers avoid them altogether (lesson 2's spatial generator).
- **Too little data.** The offline set has eight training photos. The colouriser learns their
  palette (skin, sky, rocket smoke, stained tissue) and paints it everywhere; with tf_flowers
  (online) it sees 3,300 photos, but of flowers only.

## Exercises

1. Train the two conditional GANs and the DCGAN for twice the budget. Does the ranking of the
   per-class FDs change? Which classes stay hardest, and is that the GAN or the classifier
   (compare with the real images' per-class accuracy)?
2. Build G with `embedding="learned"` (a trained 50-dimensional label embedding instead of a
   one-hot vector). Does the conditional accuracy change?
3. Build the PatchGAN with `n_layers=0` (a 1x1 PixelGAN), `1` (16x16) and `3` (70x70) and
   colour with each. Print `receptive_field` for each first. How do the colourfulness ratio and
   the sharpness change?
4. Train pix2pix with `LAMBDA = 10` and `LAMBDA = 1000`. Where does the colourfulness ratio
   go, and what happens to PSNR?
5. Colour your own photos: `image_folder_dataset(folder, IMAGE_SIZE, batch_size=...)` gives
   RGB batches and validation crops; map them with `lab_pairs`. Or translate facades with
   `paired_image_dataset(folder, 256, direction="BtoA")` and 3-channel builders
   (`input_channels=3, output_channels=3`).
6. Run `gan.generate(condition=held_l)` twice. Are the outputs the same? Why is that, given
   the dropout layers, and how would you sample the dropout noise as the paper does?
""")


def main() -> int:
    notebook = nbformat.v4.new_notebook()
    for i, (kind, source) in enumerate(CELLS):
        cell = (nbformat.v4.new_markdown_cell(source) if kind == "markdown"
                else nbformat.v4.new_code_cell(source))
        cell["id"] = str(i)
        notebook.cells.append(cell)
    notebook.metadata = {"accelerator": "GPU", "colab": {"provenance": []},
                         "kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"},
                         "language_info": {"name": "python"}}
    target = ROOT / "notebooks" / "03_conditional_gan_pix2pix.ipynb"
    nbformat.write(notebook, target)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
