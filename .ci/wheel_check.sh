#!/usr/bin/env bash
# The path a pipx user, a distro packager or anyone with an older pip takes: build the wheel,
# install it into a fresh venv with the pip that this Python ships (never upgraded), start the
# sample edition in a real terminal, open the first article and quit. Any traceback, error
# notification or missing article text fails the check. This is the path that once crashed on
# every article (an lxml extra that pip 23 did not resolve).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
work=$(mktemp -d)
session="wheelcheck-$$"
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "wheel check FAILED: $1" >&2
  if [ -f "$work/screen" ]; then echo "--- last screen ---" >&2; cat "$work/screen" >&2; fi
  exit 1
}

"$PYTHON" -m venv "$work/build-env"
"$work/build-env/bin/pip" wheel --quiet --no-deps --wheel-dir "$work/dist" . 2>&1 |
  grep -v "^WARNING: Location" || true
wheel=$(ls "$work"/dist/newsreader-*.whl) || fail "no wheel was built"

"$PYTHON" -m venv "$work/venv"
echo "installing $(basename "$wheel") with $("$work/venv/bin/pip" --version | cut -d' ' -f1-2)"
"$work/venv/bin/pip" install --quiet "$wheel" 2>&1 | grep -v "^WARNING: Location" || true
[ -x "$work/venv/bin/newsreader" ] || fail "the wheel installed no newsreader command"

command -v tmux >/dev/null || fail "tmux is not installed"
screen() { tmux capture-pane -p -t "$session" >"$work/screen" 2>/dev/null || true; }
wait_for() {  # wait_for SECONDS PATTERN: the pattern appears on screen in time
  local deadline=$((SECONDS + $1))
  while [ $SECONDS -lt $deadline ]; do
    screen
    if grep -qE 'Traceback|Error|html[._]clean' "$work/screen"; then fail "error on screen"; fi
    grep -qE "$2" "$work/screen" && return 0
    sleep 0.2
  done
  fail "never saw /$2/ on screen"
}

tmux new-session -d -s "$session" -x 120 -y 40 \
  "NO_PROXY=127.0.0.1,localhost HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 \
   '$work/venv/bin/newsreader' --demo; echo \"exit=\$?\" >'$work/exit'; sleep 30"
wait_for 30 '[0-9]+ unread'
wait_for 30 '[0-9]+[hd] '   # a headline row: its age column
tmux send-keys -t "$session" Enter
wait_for 30 'Teasers \('     # the article has rendered with its teaser list
sleep 1                       # a late failure (extraction in a worker) would show up now
screen
if grep -qE 'Traceback|Error|html[._]clean' "$work/screen"; then fail "error on screen"; fi
tmux send-keys -t "$session" q
sleep 0.3
tmux send-keys -t "$session" q
deadline=$((SECONDS + 15))
while [ ! -f "$work/exit" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
[ -f "$work/exit" ] || fail "the reader did not quit on q"
screen   # Textual prints a crash's traceback on the normal screen once it has left
grep -q 'exit=0' "$work/exit" || fail "the reader exited with $(cat "$work/exit")"
if grep -qE 'Traceback|Error' "$work/screen"; then fail "error printed on exit"; fi
echo "wheel check passed: $(basename "$wheel") installed with the stock pip, opened an article, quit cleanly"
