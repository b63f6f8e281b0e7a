"""Flow matching on SE(3) x torus: the noise process, its numpy sampler math and training loss.

``trajgen.engine.flow.so3`` and ``trajgen.engine.flow.process`` are numpy only (used by the
rollout on machines without torch); ``trajgen.engine.flow.loss`` is the torch training loss.
"""
