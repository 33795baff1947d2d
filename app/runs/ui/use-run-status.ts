import { useFetcher, useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";

/**
 * A run's progress, read from its SyncRun row (never Redis) through `url` every second while a run is active.
 * When the run ends the page's data is reloaded once (last run times, next run). `key` names the fetcher.
 */
export function useRunStatus<Status extends { activeRun: unknown }>({ initial, url, key }: { initial: Status; url: string; key: string }): Status {
  const poll = useFetcher({ key });
  // The status route answers `{ status }` in the page's own (already serialised) shape.
  const polled = poll.data as { status?: Status } | undefined;
  const revalidator = useRevalidator();
  const [status, setStatus] = useState(initial);
  useEffect(() => setStatus(initial), [initial]);
  useEffect(() => {
    if (polled?.status) setStatus(polled.status);
  }, [polled]);

  const active = Boolean(status.activeRun);
  const { load } = poll;
  useEffect(() => {
    if (!active || poll.state !== "idle") return;
    const timer = setTimeout(() => load(url), 1_000);
    return () => clearTimeout(timer);
  }, [active, poll.state, poll.data, load, url]);

  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) revalidator.revalidate();
    wasActive.current = active;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active]);
  return status;
}
