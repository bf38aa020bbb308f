// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SourceUrisTest {

  @Test
  void userInfoIsMaskedAndTheRestKept() {
    assertEquals(
        "rtsp://***@10.0.0.4:554/Streaming/Channels/101",
        SourceUris.redact("rtsp://admin:s3cret@10.0.0.4:554/Streaming/Channels/101"));
    assertEquals("rtsp://***@cam/live", SourceUris.redact("rtsp://admin@cam/live"));
    // An unencoded '@' in the password: everything up to the last '@' of the authority is
    // user-info, as ffmpeg
    // splits it.
    assertEquals("rtsp://***@cam:554/x", SourceUris.redact("rtsp://u:p@ss@cam:554/x"));
    assertEquals("rtsp://10.0.0.4/stream1", SourceUris.redact("rtsp://10.0.0.4/stream1"));
    assertEquals("/dev/video0", SourceUris.redact("/dev/video0"));
    assertEquals("/data/clip@2x.mp4", SourceUris.redact("/data/clip@2x.mp4"));
    // On its own a URI's user-info is cut by position, whatever characters the password has.
    assertEquals("rtsp://***@cam/x", SourceUris.redact("rtsp://u:it's \"ok\"@cam/x"));
    assertTrue(SourceUris.hasCredentials("rtsp://u:it's@cam/x"));
  }

  @Test
  void passwordLikeQueryParametersAreMasked() {
    assertEquals(
        "http://cam/video.cgi?user=admin&pwd=***&resolution=640x480",
        SourceUris.redact("http://cam/video.cgi?user=admin&pwd=hunter22&resolution=640x480"));
    assertEquals(
        "http://cam/s?Password=***&token=***&auth=***#x",
        SourceUris.redact("http://cam/s?Password=a&token=b.c-d&auth=Zm9v#x"));
    assertEquals("http://cam/mjpg?passive=1", SourceUris.redact("http://cam/mjpg?passive=1"));
  }

  @Test
  void textQuotingAUrlIsRedactedAndTheKnownPasswordMaskedAlsoAlone() {
    String uri = "rtsp://user:p%40ssw0rd@127.0.0.1:8554/cam";
    String ffmpeg =
        "[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized\n"
            + "rtsp://user:p%40ssw0rd@127.0.0.1:8554/cam: Server returned 401 Unauthorized; tried p@ssw0rd and p%40ssw0rd";
    String shown = SourceUris.redactText(ffmpeg, uri);
    assertFalse(shown.contains("ssw0rd"), shown);
    assertTrue(shown.contains("rtsp://***@127.0.0.1:8554/cam: Server returned 401"), shown);
    assertEquals("no URL here", SourceUris.redactText("no URL here", uri));
  }

  @Test
  void aVeryShortPasswordIsMaskedInUrlsButNotAsABareWord() {
    String shown = SourceUris.redactText("rtsp://u:ab@cam/x failed: abc", "rtsp://u:ab@cam/x");
    assertEquals("rtsp://***@cam/x failed: abc", shown);
  }

  @Test
  void credentialsAreDetected() {
    assertTrue(SourceUris.hasCredentials("rtsp://u:p@cam/x"));
    assertTrue(SourceUris.hasCredentials("http://cam/x?pass=1"));
    assertFalse(SourceUris.hasCredentials("rtsp://cam/x"));
    assertFalse(SourceUris.hasCredentials(null));
  }

  @Test
  void aSourceStatusNeverHoldsACredential() {
    SourceStatus status =
        new SourceStatus(
            SourceState.RECONNECTING, 0, 1, "cannot open rtsp://admin:secret@cam/x: 401");
    assertEquals("cannot open rtsp://***@cam/x: 401", status.detail());
  }

  @Test
  @Timeout(30)
  void hostileTextIsHandledInLinearTime() {
    String many =
        "a://" + "@".repeat(50_000) + " " + "x://y".repeat(20_000) + "?pwd=" + "&".repeat(50_000);
    // A backtracking pattern would not finish on this input; the timeout fails it then.
    assertFalse(SourceUris.redactText(many, many).isEmpty());
  }
}
