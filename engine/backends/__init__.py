"""Denoiser backends behind one call: ``backend(inputs: dict of numpy arrays) -> dict of numpy arrays``.

Names and shapes of the inputs and outputs are in ``trajgen.engine.model.io_spec``. Every backend
exposes ``name`` (str), ``device`` (str) and ``config`` (``ModelConfig``) and ``flow``
(``FlowConfig``). ``torch_backend`` imports torch; ``onnx_backend`` needs only onnxruntime.
"""
