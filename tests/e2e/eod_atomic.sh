#!/usr/bin/env bash
# A crash never leaves a half partition and never harms an existing one:
# SIGKILL while writing leaves only a temporary directory, which the next run
# removes before it succeeds; an existing partition survives a --force run
# that is killed or fails. A corrupt journal is refused with its offset,
# unless --salvage: then every valid record is kept and the skips reported.
# A disk too small for the day is reported before the day is read again.
source "$(dirname "$0")/lib.sh"
sums() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
# kill_when_writing HDB CMD...: starts CMD, SIGKILLs it once its temporary
# partition directory exists (it is then writing columns).
kill_when_writing() {
  local hdb=$1; shift
  "$@" 2> /dev/null &
  local pid=$!
  for _ in $(seq 1 3000); do
    compgen -G "$hdb/.tmp-2026-11-20.*/*/*" > /dev/null && break
    kill -0 $pid 2> /dev/null || die "$* finished before it could be killed"
    sleep 0.01
  done
  kill -9 $pid
  wait $pid 2> /dev/null || true
}

tick-gen --start 2026-11-20T09:00:00Z --count 4000000 --syms 500 --seed 1 > 2026-11-20.tick
mkdir ref hdb
tick-eod --hdb ref 2026-11-20.tick 2> /dev/null
sums ref/2026-11-20 > ref.sum

kill_when_writing hdb tick-eod --hdb hdb --compress zstd:3 2026-11-20.tick
[ ! -e hdb/2026-11-20 ] || die "a killed run left a partition"; ok
compgen -G "hdb/.tmp-2026-11-20.*" > /dev/null || die "no temporary directory (killed too late?)"; ok
expect_status 0 tick-eod --hdb hdb 2026-11-20.tick
expect_match "$(cat err)" "removed hdb/\.tmp-2026-11-20\.[0-9]+, left by an interrupted run" "the next run cleans up"
expect_eq "$(ls -A hdb | tr '\n' ' ')" ".lock 2026-11-20 " "only the partition remains"
sums hdb/2026-11-20 > hdb.sum
same_files hdb.sum ref.sum "the rerun's partition"

# Another day's data under the same date, to replace it with --force.
mkdir other
tick-gen --start 2026-11-20T09:00:00Z --count 3000000 --syms 400 --seed 2 > other/2026-11-20.tick
kill_when_writing hdb tick-eod --hdb hdb --force --compress zstd:3 other/2026-11-20.tick
sums hdb/2026-11-20 > hdb.sum
same_files hdb.sum ref.sum "the partition after a killed --force run"
compgen -G "hdb/.tmp-2026-11-20.*" > /dev/null || die "no temporary directory (killed too late?)"; ok

# A corrupt journal: refused, with the offset; the existing partition stays.
mkdir bad
cp 2026-11-20.tick bad/2026-11-20.tick
printf 'garbage!' | dd of=bad/2026-11-20.tick bs=1 seek=50000000 conv=notrunc status=none
expect_status 1 tick-eod --hdb hdb --force bad/2026-11-20.tick
expect_match "$(cat err)" "bad/2026-11-20.tick:4999[0-9]{4}: .*\(--salvage keeps every valid record\)" "refused with the offset"
sums hdb/2026-11-20 > hdb.sum
same_files hdb.sum ref.sum "the partition after a failed --force run"
expect_eq "$(ls -A hdb | tr '\n' ' ')" ".lock 2026-11-20 " "a failed run leaves nothing behind"

# --salvage keeps every valid record and says what it skipped.
mkdir salv
expect_status 0 tick-eod --hdb salv --salvage bad/2026-11-20.tick
expect_match "$(cat err)" "bad/2026-11-20.tick:4999[0-9]{4}: .*skipped [0-9]+ bytes" "salvage reports the skip"
want=$({ tick-replay --on-error skip -f json bad/2026-11-20.tick 2> /dev/null || true; } | grep -c '^{"table"')
got=$(tick-replay --hdb salv -f json | grep -c '^{"table"')
expect_eq "$got" "$want" "salvaged rows are every valid record's"
[ "$got" -lt 4000000 ] && [ "$got" -gt 3900000 ] || die "salvage kept $got rows"; ok

# A full disk (a 4 MiB tmpfs, where this runs as root): the file that did not
# fit named, exit 1, nothing left behind, an existing partition unharmed.
mkdir small
if mount -t tmpfs -o size=4m tmpfs small 2> /dev/null; then
  ON_EXIT='umount "$WORK/small"'
  tick-gen --start 2026-11-20T09:00:00Z --count 20000 --syms 50 --seed 3 > small.tick
  mkdir -p sd && mv small.tick sd/2026-11-20.tick
  expect_status 0 tick-eod --hdb small sd/2026-11-20.tick
  sums small/2026-11-20 > small.sum
  for c in none zstd:1; do
    expect_status 1 tick-eod --hdb small --force --compress $c 2026-11-20.tick
    expect_match "$(grep -v "no end-of-day record" err)" "^tick-eod: small/\.tmp-2026-11-20\.[0-9]+/[a-z]+/[a-z]+(\.raw)?: no space left on the device for [0-9]+ bytes$" "a full disk named ($c)"
    expect_eq "$(ls -A small | tr '\n' ' ')" ".lock 2026-11-20 " "nothing left behind on a full disk ($c)"
    sums small/2026-11-20 > small2.sum
    same_files small2.sum small.sum "the partition after a run that found the disk full ($c)"
  done
  umount small
else
  echo "note [$TEST_NAME]: not allowed to mount a tmpfs; the full-disk checks did not run" >&2
fi
done_ok
