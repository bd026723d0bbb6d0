package dev.gatehouse.broker.testing;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * Headless Chromium driven through its ChromeDriver, both from Debian's packages ({@code chromium},
 * {@code chromium-driver}; {@code .ci/run} installs them), with a fresh profile: one person's
 * browser. The flags keep Chromium off the network this machine does not have. Not thread-safe.
 */
public final class Browser implements AutoCloseable {

    /** Where screenshots go; the README's pictures are copied from here into docs/images. */
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final ChromeDriver driver;
    private final URI base;
    private final Path profile;

    private Browser(ChromeDriver driver, URI base, Path profile) {
        this.driver = driver;
        this.base = base;
        this.profile = profile;
    }

    /** A browser for the broker at {@code base}; {@code width}×{@code height} CSS pixels. */
    public static Browser open(URI base, int width, int height) {
        File chromium = executable("GATEHOUSE_CHROMIUM", "/usr/bin/chromium");
        File chromedriver = executable("GATEHOUSE_CHROMEDRIVER", "/usr/bin/chromedriver");
        try {
            Path profile = Files.createTempDirectory("gatehouse-chromium");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(chromium);
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-extensions", "--hide-scrollbars", "--window-size=" + width + "," + height,
                    "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver).usingAnyFreePort().build();
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().window().setSize(new Dimension(width, height));
            return new Browser(driver, base, profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static File executable(String variable, String fallback) {
        String path = System.getenv().getOrDefault(variable, fallback);
        File file = new File(path);
        if (!file.canExecute()) {
            throw new IllegalStateException("the browser tests need " + path + " (Debian packages chromium and chromium-driver:"
                    + " apt-get install chromium chromium-driver, as .ci/run does; or set " + variable + ")");
        }
        return file;
    }

    public ChromeDriver driver() {
        return driver;
    }

    public void go(String path) {
        driver.get(base + path);
    }

    /** The path and query the browser is at. */
    public String location() {
        URI at = URI.create(driver.getCurrentUrl());
        return at.getRawPath() + (at.getRawQuery() == null ? "" : "?" + at.getRawQuery());
    }

    /** The element once it is visible. */
    public WebElement visible(String css) {
        return until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    /** Waits until the element's text contains {@code text}; returns the element. */
    public WebElement textIn(String css, String text) {
        until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(css), text));
        return driver.findElement(By.cssSelector(css));
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    public <T> T until(Function<? super org.openqa.selenium.WebDriver, T> condition) {
        return new WebDriverWait(driver, PATIENCE).until(condition);
    }

    /** Runs {@code script} in the page; it calls {@code arguments[arguments.length - 1]} with its result. */
    public Object async(String script, Object... args) {
        driver.manage().timeouts().scriptTimeout(PATIENCE);
        return driver.executeAsyncScript(script, args);
    }

    /** Makes the browser fail every request whose URL matches {@code pattern} (Chrome DevTools, {@code *} wildcards). */
    public void blockRequests(String pattern) {
        driver.executeCdpCommand("Network.enable", java.util.Map.of());
        driver.executeCdpCommand("Network.setBlockedURLs", java.util.Map.of("urls", List.of(pattern)));
    }

    /** Saves the page as {@code target/screenshots/<name>.png}. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path png = SCREENSHOTS.resolve(name + ".png");
            Files.copy(((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath(), png, StandardCopyOption.REPLACE_EXISTING);
            return png;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp profile left behind is harmless
        }
    }
}
