#!/usr/bin/env bash
# A scenario's seeds, or a config file's, trained by the PyTorch port (docs/pytorch.md) instead of
# the engine, into the folder layout of `npm run train -- --scenario NAME` (OUT/seed-<n>/config.json
# and metrics.csv), then its results table: the cross-check of a comparison too long for
# SwiftShader (docs/experiments.md, "long-run"). On a CPU, torch trains gpt-tiny about ten times
# faster than SwiftShader runs the engine.
#
#   scripts/scenario-pytorch.sh NAME SEEDS OUT        e.g. scripts/scenario-pytorch.sh long-run 3 runs/long-run-pytorch
#   scripts/scenario-pytorch.sh FILE.json SEEDS OUT   a comparison config (as --config takes it); final evaluation 20 batches
#
# Per seed s (the config's seed + 0 … SEEDS − 1): the CLI writes the config with seed s and its
# checkpoints after one step (--stop-at 1, which is where the config and the data come from);
# PyTorch then trains each run from step 0, from the parameters the engine draws for seed s
# (`--batch`, a fresh run), with the engine's batches and the final evaluation of the scenario.
# A run whose metrics.csv already ends with that evaluation is not trained again.
# Needs Python 3 with torch and numpy (PYTHON, default /usr/bin/python3) and, for the CLI, the
# engine's WebGPU adapter (SwiftShader in Node: VK_ICD_FILENAMES, as the GPU tests).
set -euo pipefail
name=${1:?usage: scripts/scenario-pytorch.sh NAME SEEDS OUT}
count=${2:?usage: scripts/scenario-pytorch.sh NAME SEEDS OUT}
out=${3:?usage: scripts/scenario-pytorch.sh NAME SEEDS OUT}
mkdir -p "$out" && out=$(cd "$out" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-/usr/bin/python3}
if [[ "$name" == *.json ]]; then
  file=$(cd "$(dirname "$name")" && pwd)/$(basename "$name")
  source_args=(--config "$file")
  first=$(cd "$root" && npx tsx -e "import { readFileSync } from 'node:fs'; import { validatePartialConfig } from './src/train/configSchema'; const r = validatePartialConfig(JSON.parse(readFileSync('$file', 'utf8'))); if (!r.ok) { console.error(r.errors.join('; ')); process.exit(2); } const c = r.config; console.log([c.seed, c.batchSize, c.totalSteps, 20].join(' '))")
else
  source_args=(--scenario "$name")
  first=$(cd "$root" && npx tsx -e "import { scenarioByName, scenarioConfig } from './src/train/scenarios'; const s = scenarioByName('$name'); if (!s) { console.error('unknown scenario $name'); process.exit(2); } const c = scenarioConfig(s); console.log([c.seed, c.batchSize, c.totalSteps, s.cli.finalEvalBatches ?? ''].join(' '))")
fi
read -r seed0 batch steps finalEval <<<"$first"
for ((i = 0; i < count; i++)); do
  seed=$((seed0 + i))
  dir="$out/seed-$seed"
  start="$out/start/seed-$seed"
  if [ ! -f "$dir/config.json" ]; then
    (cd "$root" && npm run -s train -- "${source_args[@]}" --seeds 1 --seed "$seed" --stop-at 1 --final-eval-batches 1 --out "$out/start")
    mkdir -p "$dir"
    cp "$start/config.json" "$dir/config.json"
  fi
  runs=$(cd "$root" && npx tsx -e "import { readFileSync } from 'node:fs'; console.log(JSON.parse(readFileSync('$dir/config.json', 'utf8')).runs.map((r: { id: string }) => r.id).join(' '))")
  for run in $runs; do
    csv="$dir/pytorch-$run/metrics.csv"
    if [ -f "$csv" ] && tail -n 1 "$csv" | grep -q "^$run,$steps,"; then continue; fi
    echo "seed $seed, run $run: PyTorch, steps 0 → $steps ($(date -u +%H:%M:%S))"
    PYTHONPATH="$root/python" OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} "$python" -m ire_playground.train \
      --resume "$start/ckpt-1-$run.safetensors" --run "$run" --batch "$batch" --steps "$steps" --device cpu \
      --out "$dir/pytorch-$run" ${finalEval:+--final-eval-batches "$finalEval"} --quiet
  done
  # One metrics.csv with every run's rows, as the CLI writes a seed's.
  first_csv=1
  for run in $runs; do
    if [ $first_csv = 1 ]; then cat "$dir/pytorch-$run/metrics.csv"; first_csv=0; else tail -n +2 "$dir/pytorch-$run/metrics.csv"; fi
  done >"$dir/metrics.csv"
done
(cd "$root" && npx tsx scripts/scenario-results.ts "$out" "$(basename "$name" .json)")
