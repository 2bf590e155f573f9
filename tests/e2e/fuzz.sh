#!/usr/bin/env bash
# The fuzzers, briefly (make fuzz runs them at length): the journal reader,
# the JSON/CSV encoders, the HDB reader, and the small parsers (the
# subscription protocol, control records, schema files and sym.q, tick-ws's
# messages and history query fields). Any crash fails, its input kept in
# build-fuzz/ for a regression seed.
source "$(dirname "$0")/lib.sh"
if [ "$TICK_SANITIZED" = 1 ] || [ "$TICK_SANITIZED" = ON ]; then echo "fuzz: the sanitized suite leaves fuzzing to the plain one" >&2; done_ok; exit 0; fi
bash "$TICK_SOURCE/fuzz/run.sh" "${FUZZ_SECONDS:-8}" > fuzz.out 2>&1 || die "$(tail -20 fuzz.out)"
expect_match "$(cat fuzz.out)" "fuzz: no crashes" "every fuzzer ran without a crash"
expect_eq "$(grep -c 'stat::number_of_executed_units' fuzz.out)" "7" "seven fuzzers ran"
done_ok
