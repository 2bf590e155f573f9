/ sym.q: the schema of a kdb+ tick setup, twelve tables in the dialects
/ kdb+ shops write. Load it with any tool that takes --schema:
/   tick-cat -e --schema examples/sym.q < rows.json > rows.tick
\d .

/ equities: trades and quotes, as kdb+ tick's own sym.q
trade:([]time:`timespan$();sym:`g#`symbol$();price:`float$();size:`int$();ex:`char$();cond:`symbol$())
quote:([]time:`timespan$();sym:`g#`symbol$();bid:`float$();ask:`float$();bsize:`long$();asize:`long$();ex:`char$())

/ the flip form with type characters
nbbo:flip `time`sym`bid`ask`bsize`asize!"NSFFJJ"$\:()
auction:flip `time`sym`price`size`side!"psfjc"$\:()

/ definitions over several lines
depth:([]
  time:`timestamp$();
  sym:`symbol$();
  side:`char$();          / B or S
  level:`short$();
  price:`float$();
  size:`long$())

order:([] time:`timestamp$(); sym:`symbol$(); id:`long$(); side:`char$(); price:`float$();
  size:`int$(); trader:`symbol$(); live:`boolean$())
execution:flip `time`sym`order`price`size`venue!(`timestamp$();`symbol$();`long$();`float$();`int$();`symbol$())

/ FX
fxquote:flip `time`sym`bid`ask`lp!"PSFFS"$\:()
fxtrade:([]time:`timestamp$();sym:`symbol$();price:`float$();qty:`real$();lp:`symbol$())

/ reference data and text
status:([]time:`timestamp$();sym:`symbol$();halted:`boolean$();reason:())
news:flip `time`sym`headline`body!(`timestamp$();`symbol$();();())
bar:([]time:`timestamp$();sym:`symbol$();open:`float$();high:`float$();low:`float$();close:`float$();volume:`long$();day:`date$())

update `g#sym from `depth
update `g#sym from `order

\d .u
/ the rest would be u.q's business
