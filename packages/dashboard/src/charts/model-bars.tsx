/** Colours for up to eleven models (the engine has eleven); they repeat past that. */
export const MODEL_COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d', '#7c3aed'];

/**
 * Every model's credit by channel in one grouped bar chart: a row per channel, a bar per model.
 * Plain SVG from Preact: a dozen channels × eleven models needs no chart library, and the same
 * markup renders in the static HTML report.
 */
export function ModelBars(props: { models: readonly string[]; rows: readonly { label: string; values: readonly number[] }[]; unit: string }) {
  const { models, rows } = props;
  const max = Math.max(1e-9, ...rows.flatMap((r) => r.values));
  const bar = 7;
  const groupH = models.length * bar + 12;
  const labelW = 170;
  const width = 1000;
  const plotW = width - labelW - 70;
  const height = rows.length * groupH + 30;
  return (
    <figure class="model-bars">
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={`${props.unit} by channel under each model`}>
        {rows.map((r, i) => (
          <g key={r.label} transform={`translate(0 ${i * groupH})`}>
            <text x={labelW - 8} y={groupH / 2} text-anchor="end" dominant-baseline="middle" class="bar-label">
              {r.label}
            </text>
            {r.values.map((v, j) => (
              <rect key={models[j]} x={labelW} y={6 + j * bar} width={Math.max(0, (v / max) * plotW)} height={bar - 2} fill={MODEL_COLORS[j % MODEL_COLORS.length]}>
                <title>{`${r.label} · ${models[j]}: ${v.toFixed(2)} ${props.unit}`}</title>
              </rect>
            ))}
          </g>
        ))}
      </svg>
      <figcaption class="legend">
        {models.map((m, j) => (
          <span key={m}>
            <i style={{ background: MODEL_COLORS[j % MODEL_COLORS.length] }} />
            {m}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
