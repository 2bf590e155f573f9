# make bench's agg area (sourced by run.sh): tick-agg's bars and tick-aj's
# as-of join on a 10 M-row day, against DuckDB doing the same from its own
# database (loaded beforehand) and from the CSV; peak RSS at 10 M and 40 M rows.
echo "bench: tick-agg and tick-aj" >&2
NA=${BENCH_AGG_ROWS:-$(sc 10000000)}
tick-gen --seed 9 --count $NA --syms 500 --batch 100 > agg.tick
tick-cat -f csv -t trade agg.tick > at.csv
tick-cat -f csv -t quote agg.tick > aq.csv
NT=$(( $(wc -l < at.csv) - 1 ))
node "$BENCH/duckdb_agg.mjs" load "$W/agg.duckdb" "$W/at.csv" "$W/aq.csv"
AGG="tick-agg --bar 1m --ohlc --vwap --volume --only agg.tick"
t=$(secs "$AGG")
rs=$(awk -v n=$NA -v t="$t" 'BEGIN{print n / t}')
row "tick-agg --bar 1m --ohlc --vwap --volume, rows/s of a $(M "$NA")-row journal ($((NT / 1000)) k trades)" "$(M "$rs")" "-" "-" ">= 50 M" "$(ge "$rs" 50000000)"
# DuckDB's statement alone (database open, the trades loaded): median of RUNS
dd=(); for _ in $(seq 1 "$RUNS"); do dd+=("$(node "$BENCH/duckdb_agg.mjs" bars "$W/agg.duckdb" 60)"); done
d=$(printf '%s\n' "${dd[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p" | awk '{printf "%.4f", $1 / 1000}')
r=$(div "$d" "$t"); row "  vs DuckDB, the same bars from the trades loaded in its database (the query alone)" "${t}s" "duckdb ${d}s" "$r" "> 1" "$(ge "$r" 1.0001)"
dc=$(secs "node $BENCH/duckdb_agg.mjs bars-csv $W/at.csv 60")
r=$(div "$dc" "$t"); row "  vs DuckDB from the CSV of the trades (node process)" "${t}s" "duckdb ${dc}s" "$r" ">= 10" "$(ge "$r" 10)"
AJ="tick-aj --left trade --right quote agg.tick"
t=$(secs "$AJ")
rs=$(awk -v n=$NA -v t="$t" 'BEGIN{print n / t}')
dd=(); for _ in $(seq 1 "$RUNS"); do dd+=("$(node "$BENCH/duckdb_agg.mjs" aj "$W/agg.duckdb")"); done
d=$(printf '%s\n' "${dd[@]}" | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p" | awk '{printf "%.4f", $1 / 1000}')
r=$(div "$d" "$t"); row "tick-aj trade/quote, rows/s ($((NT / 1000)) k trades joined), vs DuckDB ASOF JOIN (loaded, the query alone)" "$(M "$rs") (${t}s)" "duckdb ${d}s" "$r" "> 1" "$(ge "$r" 1.0001)"
rm -f agg.duckdb at.csv aq.csv
# Peak RSS: the same filters on a 10 M and a 40 M-row day, from a pipe.
rss() { tick-gen --seed 9 --count "$1" --syms 500 --batch 100 | /usr/bin/time -f %M -o rss.out $2 > /dev/null; echo $(( $(cat rss.out) / 1024 )); }
a10=$(rss $NA "tick-agg --bar 1m --only"); a40=$(rss $((NA * 4)) "tick-agg --bar 1m --only")
j10=$(rss $NA "tick-aj --left trade --right quote"); j40=$(rss $((NA * 4)) "tick-aj --left trade --right quote")
fl=$(awk -v a="$a10" -v b="$a40" -v c="$j10" -v d="$j40" 'BEGIN{print (b <= a * 1.2 + 2 && d <= c * 1.2 + 2) ? "yes" : "NO"}')
row "peak RSS, $(M "$NA") vs $(M $((NA * 4))) rows from a pipe: tick-agg / tick-aj (MiB)" "$a10 vs $a40 / $j10 vs $j40" "-" "-" "flat" "$fl"
rm -f agg.tick
