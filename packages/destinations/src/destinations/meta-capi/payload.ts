/** A Conversions API server event (activation-contracts.md §2.3-§2.4). */
export interface MetaServerEvent {
  event_name: string;
  /** Unix seconds. */
  event_time: number;
  event_id: string;
  action_source: string;
  event_source_url?: string;
  user_data: MetaUserData;
  custom_data?: { value?: number; currency?: string; order_id?: string };
}

export interface MetaUserData {
  em?: string[];
  ph?: string[];
  fn?: string[];
  ln?: string[];
  ct?: string[];
  st?: string[];
  zp?: string[];
  country?: string[];
  external_id?: string[];
  client_ip_address?: string;
  client_user_agent?: string;
  fbc?: string;
  fbp?: string;
}
