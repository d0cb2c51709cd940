# Decodes one OTLP/HTTP protobuf metrics request body (an ExportMetricsServiceRequest) with Debian's python3-protobuf
# and the Python modules that protoc generated from the vendored opentelemetry-proto files (otlp-proto/), and prints
# it as JSON for OtlpMetricsExport.cs. Nothing of the OpenTelemetry .NET exporter is involved.
#
# usage: otlp_decode.py <directory of the generated *_pb2 modules> <request body file>
#
# Output: {"resources": [{"attributes", "schema_url", "scopes": [{"name", "version", "attributes", "schema_url",
#          "metrics": [{"name", "description", "unit", "kind", "is_monotonic", "temporality", "points": [...]}]}]}]}
# Attributes are [{"key", "type", "value"}] with the value as text (see any_value). Every double is a string ("+Inf",
# "-Inf", "NaN" or Python's shortest round-trip repr) and every 64-bit integer a decimal string, so JSON loses nothing.
#
# Exit 0: the JSON on stdout. Exit 2: the body is not a valid ExportMetricsServiceRequest; why is on stderr.
# Exit 3: the protobuf runtime or the generated modules are not importable.
import base64
import json
import math
import sys

if len(sys.argv) != 3:
    sys.stderr.write("usage: otlp_decode.py <generated modules directory> <request body file>\n")
    sys.exit(64)
sys.path.insert(0, sys.argv[1])
try:
    from google.protobuf.message import DecodeError
    from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
    from opentelemetry.proto.metrics.v1 import metrics_pb2
except ImportError as error:
    sys.stderr.write("cannot import the OTLP modules (python3-protobuf installed? protoc output in %s?): %s\n"
                     % (sys.argv[1], error))
    sys.exit(3)


class Invalid(Exception):
    pass


def number(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def any_value(value):
    """(type, text) of an AnyValue: strings as they are, bools "true"/"false", ints in decimal, doubles as number(),
    bytes in base64, arrays and key-value lists as JSON of their elements' texts; an unset AnyValue is ("empty", "")."""
    which = value.WhichOneof("value")
    if which is None:
        return "empty", ""
    if which == "string_value":
        return "string", value.string_value
    if which == "bool_value":
        return "bool", "true" if value.bool_value else "false"
    if which == "int_value":
        return "int", str(value.int_value)
    if which == "double_value":
        return "double", number(value.double_value)
    if which == "bytes_value":
        return "bytes", base64.b64encode(value.bytes_value).decode("ascii")
    if which == "array_value":
        return "array", json.dumps([any_value(v)[1] for v in value.array_value.values])
    if which == "kvlist_value":
        return "kvlist", json.dumps({kv.key: any_value(kv.value)[1] for kv in value.kvlist_value.values})
    raise Invalid("AnyValue with an unknown value field %r" % which)


def attributes(key_values, where):
    out, seen = [], set()
    for kv in key_values:
        if kv.key in seen:
            raise Invalid("%s: attribute %r repeated" % (where, kv.key))
        seen.add(kv.key)
        kind, text = any_value(kv.value)
        out.append({"key": kv.key, "type": kind, "value": text})
    return out


def optional_double(message, field):
    return number(getattr(message, field)) if message.HasField(field) else None


def common_point(p, where):
    return {"attributes": attributes(p.attributes, where), "start_time_unix_nano": str(p.start_time_unix_nano),
            "time_unix_nano": str(p.time_unix_nano), "flags": p.flags}


def number_point(p, where):
    out = common_point(p, where)
    which = p.WhichOneof("value")
    if which == "as_int":
        out["value"] = {"type": "int", "value": str(p.as_int)}
    elif which == "as_double":
        out["value"] = {"type": "double", "value": number(p.as_double)}
    else:
        out["value"] = None
    return out


def histogram_point(p, where):
    out = common_point(p, where)
    out.update({"count": str(p.count), "sum": optional_double(p, "sum"),
                "bucket_counts": [str(c) for c in p.bucket_counts],
                "explicit_bounds": [number(b) for b in p.explicit_bounds],
                "min": optional_double(p, "min"), "max": optional_double(p, "max")})
    return out


def exponential_point(p, where):
    out = common_point(p, where)
    out.update({"count": str(p.count), "sum": optional_double(p, "sum"), "scale": p.scale,
                "zero_count": str(p.zero_count), "zero_threshold": number(p.zero_threshold),
                "positive": {"offset": p.positive.offset, "bucket_counts": [str(c) for c in p.positive.bucket_counts]},
                "negative": {"offset": p.negative.offset, "bucket_counts": [str(c) for c in p.negative.bucket_counts]},
                "min": optional_double(p, "min"), "max": optional_double(p, "max")})
    return out


def summary_point(p, where):
    out = common_point(p, where)
    out.update({"count": str(p.count), "sum": number(p.sum),
                "quantile_values": [{"quantile": number(q.quantile), "value": number(q.value)} for q in p.quantile_values]})
    return out


def temporality(value):
    return metrics_pb2.AggregationTemporality.Name(value)


def metric(m, where):
    where = "%s metric %r" % (where, m.name)
    kind = m.WhichOneof("data")
    out = {"name": m.name, "description": m.description, "unit": m.unit, "kind": kind,
           "is_monotonic": False, "temporality": "AGGREGATION_TEMPORALITY_UNSPECIFIED", "points": []}
    if kind == "gauge":
        out["points"] = [number_point(p, where) for p in m.gauge.data_points]
    elif kind == "sum":
        out["is_monotonic"] = m.sum.is_monotonic
        out["temporality"] = temporality(m.sum.aggregation_temporality)
        out["points"] = [number_point(p, where) for p in m.sum.data_points]
    elif kind == "histogram":
        out["temporality"] = temporality(m.histogram.aggregation_temporality)
        out["points"] = [histogram_point(p, where) for p in m.histogram.data_points]
    elif kind == "exponential_histogram":
        out["temporality"] = temporality(m.exponential_histogram.aggregation_temporality)
        out["points"] = [exponential_point(p, where) for p in m.exponential_histogram.data_points]
    elif kind == "summary":
        out["points"] = [summary_point(p, where) for p in m.summary.data_points]
    else:
        raise Invalid("%s has no data (none of gauge, sum, histogram, exponential_histogram, summary)" % where)
    return out


def main():
    with open(sys.argv[2], "rb") as f:
        body = f.read()
    request = metrics_service_pb2.ExportMetricsServiceRequest()
    try:
        request.ParseFromString(body)
        resources = []
        for r, rm in enumerate(request.resource_metrics):
            scopes = []
            for s, sm in enumerate(rm.scope_metrics):
                where = "resource_metrics[%d].scope_metrics[%d] (scope %r)" % (r, s, sm.scope.name)
                scopes.append({"name": sm.scope.name, "version": sm.scope.version,
                               "attributes": attributes(sm.scope.attributes, where), "schema_url": sm.schema_url,
                               "metrics": [metric(m, where) for m in sm.metrics]})
            resources.append({"attributes": attributes(rm.resource.attributes, "resource_metrics[%d].resource" % r),
                              "schema_url": rm.schema_url, "scopes": scopes})
    except (DecodeError, Invalid) as error:
        sys.stderr.write("%s: %s (%d body bytes, first ones %s)\n"
                         % (type(error).__name__, str(error) or "(no message)", len(body), body[:16].hex()))
        return 2
    sys.stdout.write(json.dumps({"resources": resources}, ensure_ascii=True))
    sys.stdout.write("\n")
    return 0


sys.exit(main())
