import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";
import { useI18n } from "../i18n.ts";
import type { UsageLine } from "../types-governance.ts";

// Loaded as its own chunk (React.lazy) by the usage pages: ECharts only when a chart is shown.
echarts.use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

/** Per period: CNY charged and jobs (their shares summed, so a job spread over datasets counts once). */
export function usageByPeriod(
  lines: readonly UsageLine[],
): { period: string; charge: number; jobs: number }[] {
  const byPeriod = new Map<string, { fen: number; ppm: number }>();
  for (const line of lines) {
    const sum = byPeriod.get(line.period) ?? { fen: 0, ppm: 0 };
    sum.fen += line.chargeFen;
    sum.ppm += line.sharePpm;
    byPeriod.set(line.period, sum);
  }
  return [...byPeriod.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([period, sum]) => ({ period, charge: sum.fen / 100, jobs: sum.ppm / 1_000_000 }));
}

/** Charges (bars, left axis) and jobs (line, right axis) per period, with the same figures as a table. */
export default function UsageChart(props: { lines: readonly UsageLine[]; caption: string }) {
  const { t, number } = useI18n();
  const element = useRef<HTMLDivElement>(null);
  const data = usageByPeriod(props.lines);
  const chargeLabel = t("gov.usage.charge");
  const jobsLabel = t("gov.usage.jobs");
  const key = JSON.stringify(data);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the figures are keyed by their JSON
  useEffect(() => {
    const target = element.current;
    if (!target) return;
    const chart = echarts.init(target, undefined, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: [chargeLabel, jobsLabel], top: 0 },
      grid: { left: 56, right: 56, top: 40, bottom: 32 },
      xAxis: { type: "category", data: data.map((d) => d.period) },
      yAxis: [
        { type: "value", name: chargeLabel, nameTextStyle: { align: "left" } },
        { type: "value", name: jobsLabel, nameTextStyle: { align: "right" }, minInterval: 1 },
      ],
      series: [
        { name: chargeLabel, type: "bar", data: data.map((d) => d.charge), itemStyle: { color: "#0b4f9c" } },
        {
          name: jobsLabel,
          type: "line",
          yAxisIndex: 1,
          data: data.map((d) => Number(d.jobs.toFixed(2))),
          itemStyle: { color: "#c2410c" },
        },
      ],
    });
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(target);
    return () => {
      observer.disconnect();
      chart.dispose();
    };
  }, [key, chargeLabel, jobsLabel]);
  return (
    <figure className="gov-chart">
      <div ref={element} className="gov-chart-canvas" role="img" aria-label={props.caption} />
      <figcaption className="muted small">{props.caption}</figcaption>
      <div className="table-wrap">
        <table className="gov-usage-table">
          <caption>{t("gov.usage.tableCaption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("gov.usage.period")}</th>
              <th scope="col" className="num">
                {chargeLabel}
              </th>
              <th scope="col" className="num">
                {jobsLabel}
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((d) => (
              <tr key={d.period}>
                <th scope="row">{d.period}</th>
                <td className="num">{number(d.charge, 2)}</td>
                <td className="num">{number(d.jobs, 2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
