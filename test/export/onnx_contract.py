"""Reads ONNX files with the onnx package (Debian python3-onnx), independently
of aekit's own writer, checks them (onnx.checker with full_check: schemas,
types and shape inference) and prints what a user of the file sees as JSON:
inputs and outputs (name, element type, dims), opsets, IR version, metadata
and the op types used. Run by test/export/score-onnx.test.ts."""
import json
import sys

import onnx
from onnx import TensorProto


def dims(value_info):
    return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in value_info.type.tensor_type.shape.dim]


def describe(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    io = lambda vs: [{"name": v.name, "dtype": TensorProto.DataType.Name(v.type.tensor_type.elem_type), "dims": dims(v)} for v in vs]
    initializers = {i.name for i in model.graph.initializer}
    return {
        "path": path,
        "onnx": onnx.__version__,
        "ir_version": model.ir_version,
        "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
        "inputs": io([v for v in model.graph.input if v.name not in initializers]),
        "outputs": io(model.graph.output),
        "metadata": {p.key: p.value for p in model.metadata_props},
        "ops": sorted({n.op_type for n in model.graph.node}),
    }


print(json.dumps([describe(p) for p in sys.argv[1:]]))
