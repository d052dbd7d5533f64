/** An Events API 2.0 event (activation-contracts.md §3.2). */
export interface TiktokEvent {
  event: string;
  /** Unix seconds. */
  event_time: number;
  event_id: string;
  user: {
    ttclid?: string;
    ttp?: string;
    email?: string[];
    phone?: string[];
    external_id?: string[];
    ip?: string;
    user_agent?: string;
  };
  properties?: { value?: number; currency?: string; order_id?: string };
  page?: { url?: string; referrer?: string };
}
