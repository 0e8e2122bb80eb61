"""klass_image: MaskGIT-style image token models sampled with KLASS or its baselines.

>>> import klass_image
>>> imgs = klass_image.generate(labels=[3, 3, 7], sampler="klass")   # doctest: +SKIP
>>> imgs[0].image, imgs[0].label, imgs[0].nfe                         # doctest: +SKIP

Adapters ``maskgit`` (aMUSEd-layout folders: UVit2D + VQ + optional CLIP) and ``digits`` (the
embedded class-conditional 8x8 digits model) are registered by :mod:`klass_image.plugin`.
"""

from klass_image.generation import GeneratedImage, generate

__all__ = ["GeneratedImage", "generate"]
