"""klass_text: sample text from diffusion LLMs (LLaDA, Dream, Hugging Face masked LMs).

>>> import klass_text
>>> results = klass_text.generate(["12+35="], sampler="klass")  # doctest: +SKIP
>>> results[0].text, results[0].nfe                               # doctest: +SKIP
('47', 3)

``model=None`` uses the embedded arithmetic model (:mod:`klass_text.task`).
"""

from klass_text.api import TextResult, generate, load_adapter

__all__ = ["TextResult", "generate", "load_adapter"]
