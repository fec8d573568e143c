from __future__ import annotations


from ailint.dataflow import DOWNLOAD, INPUT, Flow
from ailint.rule import Invalid, Valid
from ailint.types import Severity

from ailint_rules.support.flows import FlowRule, is_true, keyword, positional, report_flow

_UNTRUSTED_ORIGINS = frozenset({"download", "http", "request", "tool", "websocket"})


class UnsafeTorchLoad(FlowRule):
    """
    ## What it does
    Flags `torch.load` on a file that comes from the network or from a user: a path returned by
    `hf_hub_download`/`snapshot_download`, a file fetched with `urlretrieve`/
    `download_url_to_file`, bytes of an HTTP response, or an uploaded file, unless the call
    passes `weights_only=True`. `weights_only=False` on such a file is flagged too, and so is
    `torch.hub.load_state_dict_from_url(...)` without `weights_only=True`.

    `torch.load` of a local checkpoint is not flagged: since PyTorch 2.6 `weights_only`
    defaults to `True`, and a checkpoint you wrote yourself is trusted. Downloaded files are
    flagged even without an explicit `False`, because code that omits the argument is unsafe
    on every PyTorch before 2.6 (the default was `False`), and requirements drift.

    ## Why is this bad?
    `torch.load` unpickles: with `weights_only=False` a crafted checkpoint runs arbitrary code
    the moment it is loaded. A model repository, a URL or an upload is exactly where a crafted
    file comes from. `weights_only=True` restricts unpickling to tensors and plain containers.

    ## Example
    ```python
    path = hf_hub_download("org/model", "pytorch_model.bin")
    state = torch.load(path)
    ```

    ## Use instead
    ```python
    state = torch.load(path, weights_only=True)
    ```
    or load `.safetensors` files with `safetensors.torch.load_file`.

    ## Options
    None.

    ## References
    - PyTorch 2.6 release notes, `torch.load` defaults to `weights_only=True`:
      https://github.com/pytorch/pytorch/releases/tag/v2.6.0
    - `torch.load` documentation and its warning about untrusted files:
      https://pytorch.org/docs/stable/generated/torch.load.html
    - safetensors: https://huggingface.co/docs/safetensors/index
    """

    code = "AIL705"
    name = "unsafe-torch-load"
    severity = Severity.WARNING
    security_severity = 8.1
    needles = (b"torch",)

    VALID = [
        Valid("import torch\nstate = torch.load('checkpoints/last.pt')\n"),
        Valid("import torch\nfrom huggingface_hub import hf_hub_download\n\ndef load():\n"
              "    path = hf_hub_download('org/model', 'model.bin')\n    return torch.load(path, weights_only=True)\n"),
        Valid("import torch\n\ndef resume(path):\n    return torch.load(path, map_location='cpu', weights_only=False)\n"),
    ]
    INVALID = [
        Invalid("import torch\nfrom huggingface_hub import hf_hub_download\n\ndef load():\n"
                "    path = hf_hub_download('org/model', 'model.bin')\n    return torch.load(path)\n",
                lines=[6], message="file downloaded by hf_hub_download() (example.py:5)"),
        Invalid("import io\nimport requests\nimport torch\n\ndef fetch(url):\n"
                "    data = requests.get(url, timeout=10).content\n    return torch.load(io.BytesIO(data), weights_only=False)\n",
                lines=[7], message="weights_only=False"),
        Invalid("import torch\nstate = torch.hub.load_state_dict_from_url('https://example.com/w.pth')\n", lines=[2]),
    ]

    def end_file(self) -> None:
        imports = self.file.imports
        if not any(target.split(".")[0] == "torch" for target in imports.aliases.values()):
            return
        flow = Flow.of(self.file)
        for site in flow.index.calls:
            call = site.node
            qualified = imports.qualify(call.func) or ""
            if qualified not in ("torch.load", "torch.hub.load_state_dict_from_url"):
                continue
            weights_only = keyword(call, "weights_only")
            if is_true(weights_only):
                continue
            setting = "weights_only=False" if weights_only is not None else "no weights_only=True"
            if qualified == "torch.hub.load_state_dict_from_url":
                self.report(call, f"load_state_dict_from_url() downloads and unpickles a checkpoint with {setting}; "
                                  f"a crafted file runs code when loaded; pass weights_only=True")
                continue
            target = positional(call, 0, "f")
            if target is None:
                continue
            taint = next((t for t in flow.sources_reaching(target, call)
                          if t.kind in (DOWNLOAD, INPUT) and t.source.origin in _UNTRUSTED_ORIGINS), None)
            if taint is not None:
                report_flow(self, call, taint, f"torch.load() with {setting}",
                            "a crafted pickle runs code when loaded; pass weights_only=True or use safetensors")
