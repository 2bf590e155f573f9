/ a kdb+ tick schema: plain table definitions
trade:([]time:`timestamp$();sym:`g#`symbol$();price:`float$();size:`long$())
quote:([]time:`timestamp$();sym:`g#`symbol$();bid:`float$();ask:`float$();bsize:`long$();asize:`long$())
