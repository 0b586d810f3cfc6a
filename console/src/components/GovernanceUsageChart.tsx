import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";
import { useI18n } from "../i18n.ts";
import type { PeriodUsage } from "../types-governance.ts";

// Loaded as its own chunk (React.lazy) by the usage pages: ECharts only when a chart is shown.
echarts.use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

/** Per period: CNY charged and whole jobs, each job once (the server counts them: a job may be on several lines). */
export function usageByPeriod(
  periods: readonly PeriodUsage[],
): { period: string; charge: number; jobs: number }[] {
  return periods.map((p) => ({ period: p.period, charge: p.chargeFen / 100, jobs: p.jobs }));
}

/** Charges (bars, left axis) and jobs (line, right axis) per period, with the same figures as a table. */
export default function UsageChart(props: { periods: readonly PeriodUsage[]; caption: string }) {
  const { t, number } = useI18n();
  const element = useRef<HTMLDivElement>(null);
  const data = usageByPeriod(props.periods);
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
          data: data.map((d) => d.jobs),
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
                <td className="num">{number(d.jobs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
