package dev.lorapar.tests.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.dist.CollectiveException;
import dev.lorapar.dist.LaunchEnv;
import dev.lorapar.dist.RankThreads;
import dev.lorapar.dist.Rendezvous;
import dev.lorapar.tests.support.Rng;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The TCP rendezvous over loopback, ranks as threads: the id reaches every rank; every misstep fails clearly. */
class RendezvousTest {
    private static final Duration SHORT = Duration.ofMillis(1500);

    @Test
    void everyRankGetsRankZerosPayload(TestInfo info) {
        Rng rng = Rng.forTest(info);
        byte[] id = new byte[128];
        for (int i = 0; i < id.length; i++) {
            id[i] = (byte) rng.nextInt(256);
        }
        int n = 4;
        try (Rendezvous.Host host = Rendezvous.Host.open(0, n, Duration.ofSeconds(20))) {
            var results = RankThreads.runAll(n, "test", r -> {
                if (r == 0) {
                    host.distribute(id);
                    return id;
                }
                return Rendezvous.join("127.0.0.1", host.port(), n, r, Duration.ofSeconds(20));
            });
            for (var o : results) {
                assertNull(o.failure());
                assertArrayEquals(id, o.value());
            }
        }
    }

    @Test
    void aRankThatNeverArrivesFailsEveryoneWithinTheTimeout() {
        try (Rendezvous.Host host = Rendezvous.Host.open(0, 3, SHORT)) {
            long t0 = System.nanoTime();
            var results = RankThreads.runAll(2, "test", r -> r == 0 ? hostAndReturn(host)
                    : Rendezvous.join("127.0.0.1", host.port(), 3, 1, Duration.ofSeconds(30)));
            CollectiveException atZero = assertInstanceOf(CollectiveException.class, results.get(0).failure());
            assertTrue(atZero.getMessage().contains("rank(s) [2] did not arrive"), atZero.getMessage());
            CollectiveException atOne = assertInstanceOf(CollectiveException.class, results.get(1).failure());
            assertTrue(atOne.getMessage().contains("rank(s) [2]"), "rank 1 is told why: " + atOne.getMessage());
            assertTrue((System.nanoTime() - t0) / 1e9 < 10);
        }
    }

    @Test
    void wrongWorldSizeAndTakenRanksAreRefused() {
        try (Rendezvous.Host host = Rendezvous.Host.open(0, 3, Duration.ofSeconds(20))) {
            var results = RankThreads.runAll(2, "test", r -> r == 0 ? hostAndReturn(host)
                    : Rendezvous.join("127.0.0.1", host.port(), 4, 1, Duration.ofSeconds(20)));
            assertTrue(results.get(0).failure().getMessage().contains("wrong world size: rank 1 says 4, rank 0 has 3"),
                    results.get(0).failure().getMessage());
            assertTrue(results.get(1).failure().getMessage().contains("refused by rank 0: wrong world size"),
                    results.get(1).failure().getMessage());
        }
        try (Rendezvous.Host host = Rendezvous.Host.open(0, 3, Duration.ofSeconds(20))) {
            var results = RankThreads.runAll(3, "test", r -> {
                if (r == 0) {
                    return hostAndReturn(host);
                }
                if (r == 2) {
                    Thread.sleep(300); // the second rank 1 arrives after the first
                }
                return Rendezvous.join("127.0.0.1", host.port(), 3, 1, Duration.ofSeconds(20));
            });
            assertTrue(results.get(0).failure().getMessage().contains("rank 1 is already taken"),
                    String.valueOf(results.get(0).failure()));
            assertTrue(results.get(2).failure().getMessage().contains("already taken"));
        }
    }

    @Test
    void nobodyListeningFailsAfterTheTimeout() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free now, closed below: nobody listens there
        }
        long t0 = System.nanoTime();
        final int p = port;
        CollectiveException e = assertThrows(CollectiveException.class,
                () -> Rendezvous.join("127.0.0.1", p, 2, 1, SHORT));
        assertTrue(e.getMessage().contains("nobody listening"), e.getMessage());
        assertEquals(1, e.rank());
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds >= 1.4 && seconds < 10, "waited the timeout: " + seconds);
    }

    @Test
    void launchSettingsComeFromFlagsThenEnvironment() {
        Map<String, String> env = Map.of("RANK", "2", "WORLD_SIZE", "4", "MASTER_ADDR", "node0", "MASTER_PORT", "1234",
                "LOCAL_RANK", "0");
        assertEquals(new LaunchEnv(2, 4, 0, "node0", 1234), LaunchEnv.resolve(Map.of(), env));
        assertEquals(new LaunchEnv(1, 4, 1, "node0", 99), LaunchEnv.resolve(Map.of("rank", "1", "local_rank", "1",
                "master_port", "99", "world_size", " "), env));
        assertEquals(LaunchEnv.single(), LaunchEnv.resolve(Map.of(), Map.of()));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> LaunchEnv.resolve(Map.of(), Map.of("WORLD_SIZE", "two")));
        assertTrue(bad.getMessage().contains("WORLD_SIZE (environment)"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LaunchEnv.resolve(Map.of("rank", "4"), env));
    }

    private static byte[] hostAndReturn(Rendezvous.Host host) {
        host.distribute(new byte[] {1, 2, 3});
        return new byte[] {1, 2, 3};
    }
}
