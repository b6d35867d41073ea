// "Copy link": the share link of the comparison (shareLink.ts: configuration and event log) to
// the clipboard. When the browser refuses the clipboard, the link is shown in a read-only field,
// selected, for the user to copy.
import { useEffect, useRef, useState } from 'react';
import { shareHash } from '../store/shareLink';
import type { AppStore } from '../store/store';

const COPIED_MS = 2000; // how long "Link copied" shows

/** The page's address with the comparison's hash. */
export function shareLinkUrl(store: AppStore): string {
  return location.origin + location.pathname + shareHash(store.getState());
}

export function CopyLink({ store }: { store: AppStore }) {
  const [copied, setCopied] = useState(false);
  const [fallback, setFallback] = useState<{ url: string } | null>(null); // the link, when the clipboard was refused (a new object per refusal: selected again)
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), COPIED_MS);
    return () => clearTimeout(t);
  }, [copied]);
  useEffect(() => {
    if (fallback === null) return;
    field.current?.focus();
    field.current?.select();
  }, [fallback]);

  const copy = async () => {
    const url = shareLinkUrl(store);
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(url);
      setFallback(null);
      setCopied(true);
    } catch {
      setCopied(false);
      setFallback({ url });
    }
  };

  return (
    <span className="copy-link">
      <button type="button" data-testid="copy-link" onClick={() => void copy()} title="Copy a link that opens this comparison: its settings and every change made while training">
        Copy link
      </button>{' '}
      <span role="status" className="muted" data-testid="copy-link-status">
        {copied ? 'Link copied' : ''}
      </span>
      {fallback !== null && (
        <label className="inline copy-link-fallback">
          The browser refused the clipboard; copy the link:{' '}
          <input ref={field} type="text" readOnly value={fallback.url} data-testid="copy-link-field" onFocus={(e) => e.target.select()} />
        </label>
      )}
    </span>
  );
}
