import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { useEffect, useRef } from "react";
import { roundedHalfWidth } from "./accuracy.tsx";
import type { ChartPlan } from "./OperatorChartPlan.ts";

// Only the parts drawn here: the bundle carries no other chart type or component.
echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** Dark enough on white for 3:1 non-text contrast. */
const PALETTE = ["#0b4f9c", "#c2410c", "#1d6b34", "#7e22ce", "#a4161a", "#4a5366"];

/** How many times larger the larger series' largest magnitude is than the other's. */
function spread(a: readonly (number | null)[], b: readonly (number | null)[]): number {
  const top = (values: readonly (number | null)[]) => Math.max(0, ...values.map((v) => Math.abs(v ?? 0)));
  const [x, y] = [top(a), top(b)];
  return Math.min(x, y) === 0 ? 1 : Math.max(x, y) / Math.min(x, y);
}

interface TooltipItem {
  readonly seriesIndex: number;
  readonly dataIndex: number;
  readonly marker: string;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The axis tooltip: the category, then each series' value with ± its 95% half-width when noisy. */
function tooltipHtml(plan: ChartPlan, items: readonly TooltipItem[], locale: string): string {
  const format = new Intl.NumberFormat(locale);
  const first = items[0];
  if (!first) return "";
  const lines = items.map((item) => {
    const series = plan.series[item.seriesIndex]!;
    const value = series.values[item.dataIndex];
    const half = series.ci95[item.dataIndex];
    const shown = value === null || value === undefined ? "—" : format.format(value);
    const interval = typeof half === "number" ? ` ±${format.format(roundedHalfWidth(half))}` : "";
    return `${item.marker}${escapeHtml(series.name)}: ${shown}${interval}`;
  });
  return [escapeHtml(plan.categories[first.dataIndex] ?? ""), ...lines].join("<br/>");
}

/**
 * Draws an output table as a bar chart (a line chart for dates or months). The element carries
 * the chart's summary as its accessible name; the table beside it stays the accessible source.
 * Loaded lazily (its own chunk), so pages without a chart do not carry ECharts.
 */
export default function OperatorChart(props: { plan: ChartPlan; label: string; locale: string }) {
  const host = useRef<HTMLDivElement>(null);
  const { plan, locale } = props;
  useEffect(() => {
    const element = host.current!;
    // Two measures of very different size (residents, mean income) each get an axis of their own.
    const twoScales = plan.series.length === 2 && spread(plan.series[0]!.values, plan.series[1]!.values) > 10;
    const chart = echarts.init(element, undefined, {
      renderer: "canvas",
      locale: locale === "en" ? "EN" : "ZH",
    });
    chart.setOption({
      color: PALETTE,
      animation: false,
      tooltip: {
        trigger: "axis",
        // Noisy figures read with their 95% interval, as in the table.
        formatter: (params: unknown) => tooltipHtml(plan, params as TooltipItem[], locale),
      },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: plan.categories,
        axisLabel: { color: "#1a1f29", interval: "auto", hideOverlap: true },
      },
      yAxis: twoScales
        ? [0, 1].map((i) => ({
            type: "value",
            name: plan.series[i]!.name,
            axisLabel: { color: PALETTE[i] },
            nameTextStyle: { color: PALETTE[i] },
            splitLine: { show: i === 0 },
          }))
        : { type: "value", axisLabel: { color: "#1a1f29" } },
      series: plan.series.map((s, i) => ({
        name: s.name,
        type: plan.kind,
        data: s.values,
        ...(twoScales ? { yAxisIndex: i } : {}),
        ...(plan.kind === "line" ? { showSymbol: plan.categories.length <= 40 } : {}),
      })),
    });
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.dispose();
    };
  }, [plan, locale]);
  return (
    <div ref={host} className="op-chart" role="img" aria-label={props.label} data-testid="output-chart" />
  );
}
