"""One DDP rank for test_train_ddp.py, launched by torchrun: train from a JSON config, save this rank's weights.

    torchrun --standalone --nproc_per_node 2 tests/train_ddp_worker.py CONFIG.json OUT_DIR
"""

import os
import sys

import torch

from trajgen.engine.train import load_config, train

if __name__ == "__main__":
    config_path, out_dir = sys.argv[1], sys.argv[2]
    result = train(load_config(config_path))
    rank = int(os.environ["RANK"])
    torch.save({k: v.cpu() for k, v in result.model.state_dict().items()}, os.path.join(out_dir, f"rank{rank}.pt"))
