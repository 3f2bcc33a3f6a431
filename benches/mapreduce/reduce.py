"""Word count reducer for Hadoop streaming: sums runs of equal keys (input sorted by key)
and counts its calls with a streaming counter on stderr."""
import sys

current, total = None, 0
for line in sys.stdin:
    word, n = line.rstrip("\n").split("\t", 1)
    if word != current:
        if current is not None:
            print(f"{current}\t{total}")
        current, total = word, 0
    total += int(n)
if current is not None:
    print(f"{current}\t{total}")
print("reporter:counter:WordCount,reduce_calls,1", file=sys.stderr)
