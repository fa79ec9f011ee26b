/**
 * Recording the live session shown: start, the running time, notes and bookmarks, stop; then
 * the file saved, with a button that opens it as a replay. The engine picks the file (in its
 * recordings folder), so the page never names a path to write.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useApp } from '../../store/context.js';
import { fileName } from '../../store/index.js';

const duration = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  const p = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}` : `${p(Math.floor(s / 60))}:${p(s % 60)}`;
};
const size = (bytes: number) => (bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`);

function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return <>{duration(now - since / 1e6)}</>;
}

export function RecordControl() {
  const live = useApp((s) => s.liveRecording);
  const session = useApp((s) => (s.cluster.status === 'open' ? s.cluster.opened.session : undefined));
  const saved = useApp((s) => s.savedRecording);
  const error = useApp((s) => s.recordError);
  const start = useApp((s) => s.startRecording);
  const stop = useApp((s) => s.stopRecording);
  const addNote = useApp((s) => s.addNote);
  const dismiss = useApp((s) => s.dismissSaved);
  const openRecording = useApp((s) => s.openRecording);
  const [text, setText] = useState('');
  const recording = live && live.session === session ? live : undefined;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void addNote(text).then((ok) => ok && setText(''));
  };

  return (
    <span className="record-control" data-testid="record-control">
      {recording ? (
        <>
          <span className="badge rec" data-testid="recording-badge" title={`Recording to ${recording.path}`}>
            ● REC <Elapsed since={recording.startedAt} />
          </span>
          <form className="note-form" onSubmit={submit}>
            <input
              aria-label="Note"
              placeholder="note (optional)"
              value={text}
              maxLength={2000}
              onChange={(e) => setText(e.target.value)}
              data-testid="note-text"
            />
            <button type="submit" data-testid="note-add" title="Keep a note (or, empty, a bookmark) at this instant of the recording">
              Bookmark{recording.notes ? ` (${recording.notes})` : ''}
            </button>
          </form>
          <button type="button" onClick={() => void stop()} data-testid="record-stop">
            ■ Stop recording
          </button>
        </>
      ) : (
        <button
          type="button"
          onClick={() => void start()}
          data-testid="record-start"
          title="Record this session to a file: the cluster and every change, each question with its probe events and answer, your notes. Recordings never hold credentials."
        >
          ● Record
        </button>
      )}
      {saved && !recording && (
        <span className="recording-saved" role="status" data-testid="recording-saved" title={saved.path}>
          Saved <b>{fileName(saved.path)}</b> ({size(saved.bytes)}, {saved.questions} question{saved.questions === 1 ? '' : 's'}, {saved.notes} note
          {saved.notes === 1 ? '' : 's'})
          <button type="button" className="link" onClick={() => void openRecording({ kind: 'path', path: saved.path })} data-testid="open-saved">
            open
          </button>
          <button type="button" className="link" onClick={dismiss} aria-label="Dismiss">
            ×
          </button>
        </span>
      )}
      {error && (
        <span className="error-inline" role="alert" data-testid="record-error">
          {error.message} {error.hint}
        </span>
      )}
    </span>
  );
}
