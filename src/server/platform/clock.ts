/**
 * Time as a dependency. Session timeouts, lockouts and token expiry read the clock through this
 * interface so tests can move time forward instead of waiting.
 */

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that runs with real time plus an offset that tests can advance. */
export class ControllableClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(milliseconds: number): void {
    this.offsetMs += milliseconds;
  }
}
