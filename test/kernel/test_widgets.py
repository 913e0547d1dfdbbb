"""Jupyter widgets against the real kernel, as jupyterlab_widgets and nbclient meet them: comm_open with protocol
2.1.0 and ipywidgets' model names under the cell that made the widget, the widget-view execute_result, frontend
updates that fire observers (and bad ones that are refused), request_state, the jupyter.widget.control
request_states, comm_info, interact's re-runs, and the widget state nbclient saves in a notebook."""
import tempfile
import time
import uuid

import nbformat
from nbclient import NotebookClient

from conftest import execute, iopub_of, send_comm

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"




def opened(messages):
    """{comm_id: comm_open message} of the widget comms among `messages`."""
    return {m["content"]["comm_id"]: m for m in messages if m["msg_type"] == "comm_open"}


def model_id_of(messages):
    result = next(m for m in messages if m["msg_type"] == "execute_result")
    return result["content"]["data"][WIDGET_VIEW]["model_id"]


def test_a_cell_ending_in_a_slider_opens_its_models_and_shows_the_widget_view(kernel):
    reply, messages = execute(kernel, "const k = intSlider({ value: 3, min: 1, max: 7 });\nk")
    assert reply["status"] == "ok", messages
    parent = messages[0]["parent_header"]["msg_id"]
    opens = opened(messages)
    assert len(opens) == 3  # layout, style, slider
    for msg in opens.values():
        assert msg["parent_header"]["msg_id"] == parent
        assert msg["content"]["target_name"] == "jupyter.widget"
        assert msg["metadata"]["version"] == "2.1.0"
        assert msg["content"]["data"]["buffer_paths"] == []
    result = next(m for m in messages if m["msg_type"] == "execute_result")
    assert result["content"]["data"]["text/plain"] == "IntSlider(value=3, min=1, max=7)"
    view = result["content"]["data"][WIDGET_VIEW]
    assert view["version_major"] == 2 and view["version_minor"] == 0
    state = opens[view["model_id"]]["content"]["data"]["state"]
    assert (state["_model_name"], state["_model_module"], state["_model_module_version"]) == (
        "IntSliderModel", "@jupyter-widgets/controls", "2.0.0")
    assert (state["_view_name"], state["value"], state["min"], state["max"]) == ("IntSliderView", 3, 1, 7)
    layout = opens[state["layout"].removeprefix("IPY_MODEL_")]["content"]["data"]["state"]
    style = opens[state["style"].removeprefix("IPY_MODEL_")]["content"]["data"]["state"]
    assert (layout["_model_name"], layout["_model_module"], layout["_model_module_version"]) == (
        "LayoutModel", "@jupyter-widgets/base", "2.0.0")
    assert (style["_model_name"], style["_view_name"]) == ("SliderStyleModel", "StyleView")
    # The comms are listed by comm_info, under the widget target.
    msg_id = kernel.comm_info(target_name="jupyter.widget")
    info = next(m for m in iter(lambda: kernel.get_shell_msg(timeout=30), None) if m["parent_header"].get("msg_id") == msg_id)
    assert set(opens) <= set(info["content"]["comms"])
    assert all(c["target_name"] == "jupyter.widget" for c in info["content"]["comms"].values())


def test_display_of_a_widget_sends_the_widget_view(kernel):
    reply, messages = execute(kernel, "display(checkbox({ value: true, description: 'bias' }));")
    assert reply["status"] == "ok", messages
    shown = next(m for m in messages if m["msg_type"] == "display_data")
    assert WIDGET_VIEW in shown["content"]["data"]
    assert shown["content"]["data"]["text/plain"] == "Checkbox(value=true, description='bias')"


def test_a_frontend_update_fires_an_observer_and_is_echoed(kernel):
    reply, messages = execute(kernel, "const s = intSlider({ value: 1 });\nconst seen: number[] = [];\n"
                                      "s.observe('value', (c) => seen.push(c.new));\ns")
    assert reply["status"] == "ok", messages
    model_id = model_id_of(messages)
    answer = send_comm(kernel, "comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": {"value": 42}, "buffer_paths": []}})
    assert [(m["msg_type"], m["content"]["data"]) for m in answer] == [
        ("comm_msg", {"method": "echo_update", "state": {"value": 42}, "buffer_paths": []})]
    reply, messages = execute(kernel, "JSON.stringify([s.value, seen])")
    assert messages[-1]["content"]["data"]["text/plain"] == "'[42,[42]]'"


def test_a_bad_frontend_value_is_refused_and_the_kernel_goes_on(kernel):
    reply, messages = execute(kernel, "const bad = intSlider({ value: 5 });\nbad")
    model_id = model_id_of(messages)
    for value in ["five", None, 2.5, {"x": 1}, [1]]:
        answer = send_comm(kernel, "comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": {"value": value}}})
        # As ipywidgets 8: the value is echoed as received (the sender's pending echo clears), then refused with the kernel's.
        assert [m["content"]["data"] for m in answer] == [
            {"method": "echo_update", "state": {"value": value}, "buffer_paths": []},
            {"method": "update", "state": {"value": 5}, "buffer_paths": []},
        ]
    for data in [{}, {"method": "update", "state": "x"}, {"method": "nope"}, {"method": "custom", "content": None}]:
        assert send_comm(kernel, "comm_msg", {"comm_id": model_id, "data": data}) == []
    reply, messages = execute(kernel, "bad.value + 1")
    assert reply["status"] == "ok" and messages[-1]["content"]["data"]["text/plain"] == "6"


def test_request_state_and_the_control_comms_request_states(kernel):
    reply, messages = execute(kernel, "const d = dropdown({ options: [['3×3', 3], ['5×5', 5]], value: 5 });\nd")
    model_id = model_id_of(messages)
    full = opened(messages)[model_id]["content"]["data"]["state"]
    answer = send_comm(kernel, "comm_msg", {"comm_id": model_id, "data": {"method": "request_state"}})
    assert [m["content"]["data"] for m in answer] == [{"method": "update", "state": full, "buffer_paths": []}]
    assert (full["_options_labels"], full["index"]) == (["3×3", "5×5"], 1)

    control = uuid.uuid4().hex
    assert send_comm(kernel, "comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}}) == []
    answer = send_comm(kernel, "comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
    assert len(answer) == 1 and answer[0]["content"]["comm_id"] == control
    data = answer[0]["content"]["data"]
    assert data["method"] == "update_states" and data["buffer_paths"] == []
    assert data["states"][model_id] == {"model_name": "DropdownModel", "model_module": "@jupyter-widgets/controls",
                                        "model_module_version": "2.0.0", "state": full}
    # Every model opened in this kernel, layouts and styles included.
    msg_id = kernel.comm_info(target_name="jupyter.widget")
    info = next(m for m in iter(lambda: kernel.get_shell_msg(timeout=30), None) if m["parent_header"].get("msg_id") == msg_id)
    assert set(data["states"]) == set(info["content"]["comms"])


def test_interact_reruns_into_its_output_after_an_update(kernel):
    reply, messages = execute(kernel, "const n = intSlider({ value: 2 });\n"
                                      "interact(({ n }) => { console.log(`n is ${n}`); return n * n; }, { n })")
    assert reply["status"] == "ok", messages
    box_id = model_id_of(messages)
    opens = opened(messages)
    children = opens[box_id]["content"]["data"]["state"]["children"]
    out_id = children[-1].removeprefix("IPY_MODEL_")
    slider_id = children[0].removeprefix("IPY_MODEL_")
    # The first run's output is already in the state the output model was opened with or updated to.
    updates = [m["content"]["data"]["state"]["outputs"] for m in messages
               if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == out_id and "outputs" in m["content"]["data"]["state"]]
    assert updates[-1] == [{"output_type": "stream", "name": "stdout", "text": "n is 2\n"},
                           {"output_type": "display_data", "data": {"text/plain": "4"}, "metadata": {}}]
    # An update from the frontend re-runs fn after its handler: the output's update follows on iopub.
    send_comm(kernel, "comm_msg", {"comm_id": slider_id, "data": {"method": "update", "state": {"value": 5}}})
    deadline = time.monotonic() + 30
    outputs = None
    while outputs is None or len(outputs) < 2:
        msg = kernel.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["msg_type"] == "comm_msg" and msg["content"]["comm_id"] == out_id:
            outputs = msg["content"]["data"]["state"]["outputs"]
    assert outputs == [{"output_type": "stream", "name": "stdout", "text": "n is 5\n"},
                       {"output_type": "display_data", "data": {"text/plain": "25"}, "metadata": {}}]


def test_an_output_captures_console_log_display_and_errors(kernel):
    reply, messages = execute(kernel, "const out = output();\nout.capture(() => { console.log('inside'); display(6 * 7); "
                                      "throw new Error('boom'); });\nconsole.log('outside');\nout.get('outputs').map((o) => o.output_type).join(',')")
    assert reply["status"] == "ok", messages
    streams = [m["content"]["text"] for m in messages if m["msg_type"] == "stream"]
    assert streams == ["outside\n"]
    assert messages[-1]["content"]["data"]["text/plain"] == "'stream,display_data,error'"


def test_nbclient_saves_the_widget_state_in_the_notebook():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("const k = intSlider({ value: 3, min: 1, max: 7, description: 'k' });\nk"),
        nbformat.v4.new_code_cell("k.value = 6;\nconst out = output();\nout.capture(() => display('hi'));\nvbox([k, out])"),
    ]
    client = NotebookClient(notebook, timeout=60, kernel_name="convlab",
                            resources={"metadata": {"path": tempfile.mkdtemp(prefix="convlab-nb-")}})
    client.execute()
    state = notebook.metadata["widgets"][WIDGET_STATE]
    assert state["version_major"] == 2 and state["version_minor"] == 0
    models = state["state"]
    slider_id = notebook.cells[0].outputs[0]["data"][WIDGET_VIEW]["model_id"]
    slider = models[slider_id]
    assert (slider["model_name"], slider["model_module"], slider["model_module_version"]) == (
        "IntSliderModel", "@jupyter-widgets/controls", "2.0.0")
    assert slider["state"]["value"] == 6 and slider["state"]["description"] == "k"
    box = models[notebook.cells[1].outputs[0]["data"][WIDGET_VIEW]["model_id"]]
    out = models[box["state"]["children"][1].removeprefix("IPY_MODEL_")]
    assert out["model_name"] == "OutputModel"
    assert out["state"]["outputs"] == [{"output_type": "display_data", "data": {"text/plain": "'hi'"}, "metadata": {}}]
    assert models[slider["state"]["layout"].removeprefix("IPY_MODEL_")]["model_name"] == "LayoutModel"
