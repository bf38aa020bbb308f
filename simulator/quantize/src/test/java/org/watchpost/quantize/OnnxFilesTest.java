// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.watchpost.quantize.onnx.Onnx.AttributeProto;
import org.watchpost.quantize.onnx.Onnx.GraphProto;
import org.watchpost.quantize.onnx.Onnx.ModelProto;
import org.watchpost.quantize.onnx.Onnx.NodeProto;
import org.watchpost.testing.SharedData;

/**
 * The project's onnx.proto against the real model: every byte back, fields it does not know kept.
 */
class OnnxFilesTest {
  @Test
  void theRealModelRoundTripsByteForByte() throws Exception {
    byte[] original = Files.readAllBytes(SharedData.yoloxNano());
    ModelProto model = OnnxFiles.parse(original, "yolox-nano");
    assertEquals(
        113,
        model.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Conv")).count());
    assertTrue(
        model.getUnknownFields().asMap().isEmpty(),
        "the schema should know every field of the model");
    Path copy = SharedData.scratchDirectory("roundtrip").resolve("copy.onnx");
    OnnxFiles.write(model, copy);
    assertArrayEquals(original, Files.readAllBytes(copy));
  }

  @Test
  void fieldsNewerThanTheSchemaAreKeptThroughAQuantization() throws Exception {
    ModelProto model = OnnxFiles.read(SharedData.yoloxNano());
    UnknownFieldSet future =
        UnknownFieldSet.newBuilder()
            .addField(
                999,
                UnknownFieldSet.Field.newBuilder()
                    .addLengthDelimited(ByteString.copyFromUtf8("from a newer ONNX"))
                    .build())
            .build();
    ModelProto withFuture =
        model.toBuilder()
            .setUnknownFields(future)
            .setGraph(
                model.getGraph().toBuilder()
                    .setNode(9, model.getGraph().getNode(9).toBuilder().setUnknownFields(future)))
            .build();
    ModelProto reread = OnnxFiles.parse(withFuture.toByteArray(), "future");
    assertEquals(future, reread.getUnknownFields());
    assertEquals(future, reread.getGraph().getNode(9).getUnknownFields());
  }

  @Test
  void whatIsNotAModelIsRefusedWithAReason() {
    QuantizeException garbage =
        assertThrows(
            QuantizeException.class,
            () -> OnnxFiles.parse(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}, "garbage"));
    assertTrue(garbage.getMessage().contains("not a valid ONNX file"), garbage.getMessage());
    assertThrows(QuantizeException.class, () -> OnnxFiles.parse(new byte[0], "empty"));
    // Graphs nested in attributes deeper than any real model: refused, not a stack overflow.
    GraphProto graph = GraphProto.newBuilder().setName("leaf").build();
    for (int i = 0; i < 100; i++) {
      graph =
          GraphProto.newBuilder()
              .addNode(
                  NodeProto.newBuilder()
                      .setOpType("If")
                      .addAttribute(AttributeProto.newBuilder().setName("then_branch").setG(graph)))
              .build();
    }
    ModelProto deepModel = ModelProto.newBuilder().setGraph(graph).build();
    QuantizeException deep =
        assertThrows(
            QuantizeException.class, () -> OnnxFiles.parse(deepModel.toByteArray(), "deep"));
    assertTrue(deep.getMessage().contains("deep"), deep.getMessage());
  }
}
