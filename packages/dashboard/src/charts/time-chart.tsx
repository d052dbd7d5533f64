import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface TimeSeries {
  readonly label: string;
  readonly values: readonly number[];
  readonly color: string;
  /** Draws against the right-hand axis (revenue beside counts). */
  readonly right?: boolean;
}

/** A day-by-day line chart (uPlot: canvas, ~23 KB gzip, fast on long series). */
export function TimeChart(props: { days: readonly string[]; series: readonly TimeSeries[]; height?: number; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const host = el.current;
    if (!host) return;
    const xs = props.days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const hasRight = props.series.some((s) => s.right);
    const opts: uPlot.Options = {
      width: Math.max(320, host.clientWidth),
      height: props.height ?? 260,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales: { x: { time: true } },
      axes: [{}, { scale: 'y', size: 60 }, ...(hasRight ? [{ scale: 'r', side: 1, size: 70, grid: { show: false } }] : [])],
      series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, scale: s.right ? 'r' : 'y', points: { show: false } }))],
    };
    const data: uPlot.AlignedData = [xs, ...props.series.map((s) => [...s.values])];
    const plot = new uPlot(opts, data, host);
    const onResize = () => plot.setSize({ width: Math.max(320, host.clientWidth), height: opts.height });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, [props.days, props.series]);
  return <div class="chart" ref={el} role="img" aria-label={props.label} />;
}
