// Reads [{value, from, to}, ...] (from/to as ISO instants) on stdin and prints, for each,
// the reference evaluator's reading of the OSM `opening_hours` value: its open intervals
// as [start, end, unknown, comment] with UTC ISO instants, or {error}. Run with
// TZ=Europe/London so the evaluator's local time is London's.
"use strict";
const OpeningHours = require("opening_hours");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const answers = JSON.parse(input).map(({ value, from, to }) => {
    try {
      // mode 0: time ranges only (no points in time); no address, so `PH` cannot be used.
      const oh = new OpeningHours(value, null, { mode: 0 });
      const intervals = oh
        .getOpenIntervals(new Date(from), new Date(to))
        .map(([start, end, unknown, comment]) => [
          start.toISOString(), end.toISOString(), Boolean(unknown), comment || "",
        ]);
      return { intervals, warnings: oh.getWarnings() };
    } catch (error) {
      return { error: String(error) };
    }
  });
  process.stdout.write(JSON.stringify(answers));
});
