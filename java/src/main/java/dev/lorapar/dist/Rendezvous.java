package dev.lorapar.dist;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The start of a multi-process run: rank 0 listens on MASTER_PORT, every other rank connects to MASTER_ADDR and
 * says who it is (world size, rank); once all ranks are there rank 0 sends each the same payload (the 128-byte NCCL
 * unique id). A wrong world size, a rank outside the world or already taken, nobody listening, or a rank that never
 * arrives end the rendezvous with a {@link CollectiveException} naming the rank and what went wrong, within the
 * timeout. Wire format (big-endian): hello = "LPRV" int version, int worldSize, int rank; answer = byte 0 + int
 * length + payload, or byte 1 + UTF-8 message.
 */
public final class Rendezvous {
    private static final int MAGIC = 0x4C505256; // "LPRV"
    private static final int VERSION = 1;
    private static final int MAX_PAYLOAD = 1 << 20;

    private Rendezvous() {
    }

    /** rank 0 hosts (payload from {@code payload}, made once), the others join; returns the payload on every rank. */
    public static byte[] exchange(LaunchEnv env, Supplier<byte[]> payload, Duration timeout) {
        if (env.rank() == 0) {
            try (Host host = Host.open(env.masterPort(), env.worldSize(), timeout)) {
                byte[] p = payload.get();
                host.distribute(p);
                return p;
            }
        }
        return join(env.masterAddr(), env.masterPort(), env.worldSize(), env.rank(), timeout);
    }

    /** Rank 0's side: a listening socket; {@link #distribute} waits for ranks 1 … worldSize−1. */
    public static final class Host implements AutoCloseable {
        private final ServerSocket server;
        private final int worldSize;
        private final Duration timeout;

        private Host(ServerSocket server, int worldSize, Duration timeout) {
            this.server = server;
            this.worldSize = worldSize;
            this.timeout = timeout;
        }

        /** Listens on {@code port} of every interface (0 = any free port, see {@link #port()}). */
        public static Host open(int port, int worldSize, Duration timeout) {
            if (worldSize < 1) {
                throw new IllegalArgumentException("world size must be ≥ 1, got " + worldSize);
            }
            try {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(port));
                return new Host(s, worldSize, timeout);
            } catch (IOException e) {
                throw new CollectiveException(0, "rendezvous", "cannot listen on port " + port + ": " + e.getMessage()
                        + " (another run on this port?)", e);
            }
        }

        public int port() {
            return server.getLocalPort();
        }

        /**
         * Accepts ranks until all worldSize − 1 others said hello, then sends each {@code payload}. Newcomers with a
         * wrong world size or a taken / impossible rank are told why and the rendezvous fails.
         */
        public void distribute(byte[] payload) {
            long deadline = System.nanoTime() + timeout.toNanos();
            Socket[] peers = new Socket[worldSize];
            List<Socket> all = new ArrayList<>();
            try {
                int joined = 1;
                while (joined < worldSize) {
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        throw timedOut(peers);
                    }
                    server.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, left)));
                    Socket s;
                    try {
                        s = server.accept();
                    } catch (SocketTimeoutException e) {
                        throw timedOut(peers);
                    }
                    all.add(s);
                    s.setSoTimeout((int) Math.max(1, Math.min(left, 10_000)));
                    int[] hello = readHello(s);
                    String problem = hello[1] != worldSize
                            ? "wrong world size: rank " + hello[2] + " says " + hello[1] + ", rank 0 has " + worldSize
                            : hello[2] <= 0 || hello[2] >= worldSize
                                    ? "rank " + hello[2] + " is not a rank 1 … " + (worldSize - 1) + " may claim"
                                    : peers[hello[2]] != null ? "rank " + hello[2] + " is already taken" : null;
                    if (problem != null) {
                        refuse(s, problem);
                        throw new CollectiveException(0, "rendezvous", problem);
                    }
                    peers[hello[2]] = s;
                    joined++;
                }
                for (int r = 1; r < worldSize; r++) {
                    DataOutputStream out = new DataOutputStream(peers[r].getOutputStream());
                    out.writeByte(0);
                    out.writeInt(payload.length);
                    out.write(payload);
                    out.flush();
                }
            } catch (CollectiveException e) {
                for (Socket s : all) {
                    if (!s.isClosed() && contains(peers, s)) {
                        refuse(s, "the rendezvous failed at rank 0: " + e.getMessage());
                    }
                }
                throw e;
            } catch (IOException e) {
                throw new CollectiveException(0, "rendezvous", "I/O error while ranks joined: " + e, e);
            } finally {
                for (Socket s : all) {
                    closeQuietly(s);
                }
            }
        }

        private CollectiveException timedOut(Socket[] peers) {
            List<Integer> missing = new ArrayList<>();
            for (int r = 1; r < worldSize; r++) {
                if (peers[r] == null) {
                    missing.add(r);
                }
            }
            return new CollectiveException(0, "rendezvous", "rank(s) " + missing + " did not arrive within "
                    + timeout.toMillis() / 1000.0 + " s (on port " + port() + ")");
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing a listening socket: nothing to do about a failure
            }
        }
    }

    /** A rank ≥ 1: connects to rank 0 (retrying until the timeout while nobody listens) and returns the payload. */
    public static byte[] join(String host, int port, int worldSize, int rank, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String call = "rendezvous with " + host + ":" + port;
        String lastRefusal = "connection refused";
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new CollectiveException(rank, call, "nobody listening after " + timeout.toMillis() / 1000.0
                        + " s (" + lastRefusal + "): is rank 0 running, and are MASTER_ADDR / MASTER_PORT right?");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), (int) Math.max(1, Math.min(left, 5_000)));
                s.setSoTimeout((int) Math.max(1, left));
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(MAGIC);
                out.writeInt(VERSION);
                out.writeInt(worldSize);
                out.writeInt(rank);
                out.flush();
                DataInputStream in = new DataInputStream(s.getInputStream());
                int status = in.readUnsignedByte();
                if (status != 0) {
                    throw new CollectiveException(rank, call, "refused by rank 0: " + in.readUTF());
                }
                int n = in.readInt();
                if (n < 0 || n > MAX_PAYLOAD) {
                    throw new CollectiveException(rank, call, "rank 0 sent a payload of " + n + " bytes");
                }
                byte[] payload = new byte[n];
                in.readFully(payload);
                return payload;
            } catch (ConnectException e) {
                lastRefusal = e.getMessage();
                sleep(Math.min(100, left));
            } catch (SocketTimeoutException e) {
                throw new CollectiveException(rank, call, "rank 0 accepted but sent nothing within "
                        + timeout.toMillis() / 1000.0 + " s (other ranks missing?)", e);
            } catch (EOFException e) {
                throw new CollectiveException(rank, call, "rank 0 closed the connection before sending the id", e);
            } catch (IOException e) {
                throw new CollectiveException(rank, call, "I/O error: " + e, e);
            }
        }
    }

    private static int[] readHello(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(s.getInputStream());
        int magic = in.readInt();
        int version = in.readInt();
        if (magic != MAGIC || version != VERSION) {
            String problem = "a connection on the rendezvous port is not a lorapar rank of this version (magic "
                    + Integer.toHexString(magic) + ", version " + version + ")";
            refuse(s, problem);
            throw new CollectiveException(0, "rendezvous", problem);
        }
        return new int[] {version, in.readInt(), in.readInt()};
    }

    private static void refuse(Socket s, String message) {
        try {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeByte(1);
            out.writeUTF(message.length() > 10_000 ? message.substring(0, 10_000) : message);
            out.flush();
        } catch (IOException ignored) {
            // the peer is gone; rank 0 reports the problem itself
        }
    }

    private static boolean contains(Socket[] peers, Socket s) {
        for (Socket p : peers) {
            if (p == s) {
                return true;
            }
        }
        return false;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already broken
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(Math.max(1, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException(-1, "rendezvous", "interrupted", e);
        }
    }
}
