# Parses a Prometheus exposition read from stdin (UTF-8) with Debian's prometheus_client (python3-prometheus-client)
# and prints it as JSON for PrometheusScrape.cs. argv[1] is "text" (text format 0.0.4:
# prometheus_client.parser) or "openmetrics" (OpenMetrics 1.0: prometheus_client.openmetrics.parser).
#
# Output: {"families": [{"name", "type", "unit", "documentation",
#                        "samples": [{"name", "labels": {..}, "value", "timestamp", "exemplar"}]}]}
# Every float is a string: "+Inf", "-Inf", "NaN" or Python's shortest round-trip repr, so nothing is lost in JSON.
# prometheus_client names a counter family without its "_total" (its samples keep it), in both formats.
#
# Exit 0: the JSON on stdout. Exit 2: the parser rejected the input; its message is on stderr.
# Exit 3: prometheus_client is not installed.
import json
import math
import sys
import traceback

try:
    from prometheus_client.parser import text_string_to_metric_families as parse_text
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
except ImportError as error:
    sys.stderr.write("prometheus_client is not importable by /usr/bin/python3 (install python3-prometheus-client): %s\n" % error)
    sys.exit(3)


def number(value):
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def timestamp(ts):
    # The text parser gives a float (seconds), the OpenMetrics parser a Timestamp(sec, nsec); None when absent.
    return None if ts is None else number(float(ts))


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("text", "openmetrics"):
        sys.stderr.write("usage: prometheus_parse.py text|openmetrics < exposition\n")
        return 64
    text = sys.stdin.buffer.read().decode("utf-8")
    parse = parse_openmetrics if sys.argv[1] == "openmetrics" else parse_text
    try:
        families = list(parse(text))  # a generator: errors surface while it is consumed
    except Exception as error:  # the parser's own exception is the test's failure message
        frame = traceback.extract_tb(error.__traceback__)[-1]
        message = str(error) or "(no message)"
        sys.stderr.write("%s: %s [raised in %s, line %d]\n" % (type(error).__name__, message, frame.name, frame.lineno))
        return 2
    out = []
    for family in families:
        samples = []
        for s in family.samples:
            exemplar = None
            if s.exemplar is not None:
                exemplar = {"labels": dict(s.exemplar.labels), "value": number(s.exemplar.value),
                            "timestamp": timestamp(s.exemplar.timestamp)}
            samples.append({"name": s.name, "labels": dict(s.labels), "value": number(s.value),
                            "timestamp": timestamp(s.timestamp), "exemplar": exemplar})
        out.append({"name": family.name, "type": family.type, "unit": family.unit or "",
                    "documentation": family.documentation or "", "samples": samples})
    sys.stdout.write(json.dumps({"families": out}, ensure_ascii=True))
    sys.stdout.write("\n")
    return 0


sys.exit(main())
