// Typed in-process events. Services emit `after_*` events once their transaction has
// committed; backends and other services subscribe. `before_*` hooks that may veto run
// inside the transaction and are plain service calls, not events.
import type { RequestContext } from '../foundation/context.ts';

export interface ResourceEvent {
  /** Collection name, e.g. `networks`. */
  resource: string;
  action: 'created' | 'updated' | 'deleted';
  id: string;
  /** The resource as rendered after the change (before it, for deletes). */
  body: Record<string, unknown>;
  context: RequestContext;
}

type Listener = (event: ResourceEvent) => void | Promise<void>;

export class EventBus {
  private listeners: Listener[] = [];

  subscribe(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Delivers to every listener; a failing listener is logged, never fails the request. */
  emit(event: ResourceEvent, onError: (err: unknown) => void = () => {}): void {
    for (const l of this.listeners) {
      try {
        const r = l(event);
        if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch(onError);
      } catch (err) {
        onError(err);
      }
    }
  }
}
