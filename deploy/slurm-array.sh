#!/usr/bin/env bash
# One `nianbao batch` split across a Slurm job array of 16 tasks:
#   sbatch deploy/slurm-array.sh /path/to/scans /path/to/archive-dir
# Each task takes the shard SLURM_ARRAY_TASK_ID of 16 (by content hash) and writes its
# own archive; a task that is requeued resumes where it stopped. When all are done:
#   nianbao merge archive.sqlite /path/to/archive-dir/shard-*.sqlite
#SBATCH --job-name=nianbao
#SBATCH --array=0-15
#SBATCH --cpus-per-task=2
#SBATCH --mem=1G
#SBATCH --time=24:00:00
#SBATCH --requeue
#SBATCH --output=nianbao-%A_%a.log
set -euo pipefail
scans=${1:?usage: sbatch slurm-array.sh SCANS_DIR ARCHIVE_DIR}
archive=${2:?usage: sbatch slurm-array.sh SCANS_DIR ARCHIVE_DIR}
shards=${SLURM_ARRAY_TASK_COUNT:-16}
mkdir -p "$archive"
# Not a terminal: progress comes as a log line every 30 s.
exec nianbao batch "$scans" \
  --db "$archive/shard-${SLURM_ARRAY_TASK_ID}.sqlite" \
  --shard "${SLURM_ARRAY_TASK_ID}/${shards}" \
  --jobs "${SLURM_CPUS_PER_TASK:-2}"
