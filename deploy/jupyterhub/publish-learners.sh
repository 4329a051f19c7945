#!/usr/bin/env bash
# Publish the learners' copy of the workbook: this checkout's HEAD without solutions/, as
# one new commit on BRANCH of the git repository DEST (created bare if it does not exist).
# Each commit's parent is the branch's previous one, so nbgitpuller in a learner's home
# fetches it as an update and merges it without touching the learner's own changes.
#   deploy/jupyterhub/publish-learners.sh DEST [BRANCH]      (make learners LEARNERS_REPO=DEST)
set -euo pipefail
dest=${1:?"say where to publish: a git repository's path or URL"}
branch=${2:-main}
cd "$(git rev-parse --show-toplevel)"
if [[ "$dest" != *:* && ! -e "$dest" ]]; then
  git init --quiet --bare --initial-branch="$branch" "$dest"
fi
# Any name will do for the commit (a CI machine has none configured).
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-$(git config user.name || echo Instructor)}
export GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-$(git config user.email || echo instructor@localhost)}
export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-$GIT_AUTHOR_NAME}
export GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-$GIT_AUTHOR_EMAIL}

# HEAD's tree less solutions/, built in an index of its own (the checkout is untouched).
GIT_INDEX_FILE=$(mktemp)
export GIT_INDEX_FILE
trap 'rm -f "$GIT_INDEX_FILE"' EXIT
git read-tree HEAD
git rm -r --cached --quiet --ignore-unmatch solutions
tree=$(git write-tree)

parent=""
if git ls-remote --exit-code --heads "$dest" "$branch" >/dev/null; then
  git fetch --quiet "$dest" "refs/heads/$branch"
  parent=$(git rev-parse FETCH_HEAD)
  if [[ "$(git rev-parse "$parent^{tree}")" == "$tree" ]]; then
    echo "$dest $branch already holds $(git rev-parse --short HEAD) without solutions/"
    exit 0
  fi
fi
message="The workbook at $(git rev-parse --short HEAD), for learners: solutions/ left out"
commit=$(git commit-tree "$tree" ${parent:+-p "$parent"} -m "$message")
git push --quiet "$dest" "$commit:refs/heads/$branch"
echo "published $(git rev-parse --short HEAD) to $dest $branch (commit ${commit:0:7})"
