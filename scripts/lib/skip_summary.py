"""Prints why tests were skipped, from the .trx files of a `dotnet test` run: one line per reason, with how many tests and
classes it skipped, so a skipped suite's reason shows without detailed verbosity.
    python3 scripts/lib/skip_summary.py RESULTS_FOLDER"""
import collections
import glob
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
skipped = collections.defaultdict(lambda: [0, set()])  # reason -> [tests, classes]
for trx in glob.glob(f"{sys.argv[1]}/**/*.trx", recursive=True):
    root = ET.parse(trx).getroot()
    classes = {u.get("id"): u.find("t:TestMethod", NS).get("className") for u in root.iterfind(".//t:UnitTest", NS)}
    for result in root.iterfind(".//t:UnitTestResult", NS):
        if result.get("outcome") != "NotExecuted":
            continue
        reason = (result.findtext("t:Output/t:ErrorInfo/t:Message", None, NS) or result.findtext("t:Output/t:StdOut", None, NS) or "").strip()
        entry = skipped[reason.splitlines()[0] if reason else "(no reason given)"]
        entry[0] += 1
        entry[1].add(classes.get(result.get("testId"), "?").rsplit(".", 1)[-1])
total = sum(tests for tests, _ in skipped.values())
print(f"test.sh: {total} test(s) skipped" + (":" if total else ""))
for reason, (tests, names) in sorted(skipped.items(), key=lambda item: -item[1][0]):
    shown = ", ".join(sorted(names)[:3]) + (f", … ({len(names)} classes)" if len(names) > 3 else "")
    print(f"  {tests:4d} test(s) in {len(names)} class(es): {reason}   [{shown}]")
