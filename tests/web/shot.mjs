// Saves a screenshot of the live view once its block tree shows a side
// branch of at least MIN blocks (for the README's picture):
//   node tests/web/shot.mjs URL OUT.png [MIN]
import puppeteer from "puppeteer-core";

const [url, out, min = "3"] = process.argv.slice(2);
const browser = await puppeteer.launch({executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"]});
try {
  const page = await browser.newPage();
  await page.setViewport({width: 1400, height: 1050});
  await page.goto(url, {waitUntil: "domcontentloaded"});
  await page.waitForFunction(m => document.querySelectorAll("#tree rect[data-kind=side]").length >= m,
    {timeout: 240000, polling: 250}, Number(min));
  await page.screenshot({path: out});
} finally {
  await browser.close();
}
