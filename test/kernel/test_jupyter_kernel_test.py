"""The Jupyter kernel conformance suite (jupyter_kernel_test) against the installed `convlab` kernel, with every
sample attribute set but one: `code_page_something`, since the kernel has no pager (IPython's `obj?` sends a
`page` payload; TypeScript has no such syntax, and inspection answers `inspect_request` instead), so the suite's
`test_pager` reports itself skipped."""
import os
import tempfile
import unittest

import jupyter_kernel_test
from jupyter_client.manager import start_new_kernel

from conftest import isolate_jupyter_paths


class ConvLabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "convlab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'
    completion_samples = [
        # Prelude names complete with no import; so do a cell's own locals.
        {"text": "conv2dB", "matches": {"conv2dBackward"}},
        {"text": "showB", "matches": {"showBundle"}},
    ]
    complete_code_samples = ["1", 'console.log("hi")', "const a = tensor([1, 2]);", "function f() {\n  return 1;\n}"]
    incomplete_code_samples = ["function f() {", "const xs = [1,", "conv2d(x,"]
    invalid_code_samples = ["const = 1;", ")", "let 3x = 2;"]
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"con" + "vlab"', "result": "'convlab'"},  # quoted, as Node's REPL, Deno and IPython show a string
        {"code": "[1, 2].length", "result": "2"},
    ]
    code_display_data = [
        {"code": 'display("shown")', "mime": "text/plain"},
        {"code": "display(tensor([[1, 2], [3, 4]]))", "mime": "image/png"},
        {"code": "show(tensor([[1, 2], [3, 4]]))", "mime": "application/vnd.convlab.featuremap.v1+json"},
    ]
    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "conv2d"
    code_clear_output = "clearOutput()"

    @classmethod
    def setUpClass(cls):
        isolate_jupyter_paths()
        # A notebook folder outside the repository, as a user's would be.
        cls.km, cls.kc = start_new_kernel(kernel_name=cls.kernel_name, cwd=tempfile.mkdtemp(prefix="convlab-jkt-"),
                                          startup_timeout=120)

    def test_kernel_info_has_real_versions_and_links(self):
        self.flush_channels()
        self.kc.kernel_info()
        reply = self.kc.get_shell_msg(timeout=10)
        content = reply["content"]
        assert content["status"] == "ok"
        assert content["implementation"] == "convlab"
        assert content["language_info"]["version"] == "5.0.4"  # tslab's TypeScript fork
        assert "tslab 1.0.22" in content["banner"] and "Node v" in content["banner"]
        assert content["help_links"] and all(link["url"].startswith("https://") for link in content["help_links"])


if __name__ == "__main__":
    unittest.main()
