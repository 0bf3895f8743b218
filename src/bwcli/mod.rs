//! The bwcli driver: prompt state machine, output parsing, masked transcripts.
